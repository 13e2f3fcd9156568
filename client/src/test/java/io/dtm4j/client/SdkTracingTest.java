package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.engine.Tracing;
import io.dtm4j.server.testing.TestServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace from the application's span through the server's rounds and calls into the business
 * handlers' spans (docs/observability.md#tracing): the SDK sends the caller's context, the server
 * keeps it with the transaction (a round after a restart joins it), and handlers join the call's
 * context through {@link Traces#join} (HTTP) or {@link GrpcBranch#interceptor()} (gRPC). One
 * in-memory exporter stands for the collector of the application, the server and the services.
 */
class SdkTracingTest {
    static final AttributeKey<String> GID = AttributeKey.stringKey("dtm.gid");
    static final InMemorySpanExporter exported = InMemorySpanExporter.create();
    static final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exported))
                    .build())
            .build();
    static final Tracer app = otel.getTracer("bank");

    static HttpServer httpBusi;
    static final AtomicInteger transOutFailures = new AtomicInteger();
    static GrpcBusi grpcBusi;

    @BeforeAll
    static void startServices() throws IOException {
        httpBusi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        httpBusi.createContext("/", SdkTracingTest::handle);
        httpBusi.start();
        grpcBusi = new GrpcBusi().on("TransOut", request -> {
            app.spanBuilder("busi TransOut").startSpan().end();
            return new byte[0];
        });
    }

    @AfterAll
    static void stop() {
        httpBusi.stop(0);
        grpcBusi.close();
        otel.close();
    }

    /** An HTTP branch handler as a service writes it: joins the call's trace, then does its work. */
    static void handle(HttpExchange exchange) throws IOException {
        String name = exchange.getRequestURI().getPath().substring(1);
        int status = 200;
        try (Scope ignored = Traces.join(exchange.getRequestHeaders()::getFirst)) {
            app.spanBuilder("busi " + name).startSpan().end();
            if (name.equals("TransOut") && transOutFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                status = 500;
            }
        }
        byte[] body = (status == 200 ? "{\"dtm_result\":\"SUCCESS\"}" : "{\"error\":\"down\"}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** The server's tracing on the shared SDK; closing a server must not shut the SDK down. */
    static Tracing serverTracing() {
        return new Tracing(
                new OpenTelemetry() {
                    @Override
                    public TracerProvider getTracerProvider() {
                        return otel.getTracerProvider();
                    }

                    @Override
                    public ContextPropagators getPropagators() {
                        return otel.getPropagators();
                    }
                },
                false);
    }

    static ServerConfig.StoreConfig embeddedIn(Path dir) {
        return new ServerConfig.StoreConfig(
                "embedded", "", 0, "", "", "dtm", "public", 1, 1, 5, 604800, 86400, "{a}", dir, 0);
    }

    List<SpanData> spans(String name) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
    }

    List<SpanData> childrenOf(List<SpanData> parents, String name) {
        List<String> ids = parents.stream().map(SpanData::getSpanId).toList();
        return spans(name).stream()
                .filter(s -> ids.contains(s.getParentSpanId()))
                .toList();
    }

    @Test
    void httpTraceRunsFromTheCallerThroughRoundsBeforeAndAfterARestartIntoTheHandlers(@TempDir Path data) {
        String gid = "tracing-http-" + System.nanoTime();
        transOutFailures.set(1);
        String busi = "http://127.0.0.1:" + httpBusi.getAddress().getPort() + "/";
        Span transfer = app.spanBuilder("transfer").startSpan();
        try (TestServer first = new TestServer(embeddedIn(data), c -> c, serverTracing())) {
            try (Scope ignored = transfer.makeCurrent()) {
                DtmClient.of(first.dtm())
                        .saga(gid)
                        .add(busi + "TransOut", busi + "TransOutRevert", "{}")
                        .submit();
            } finally {
                transfer.end();
            }
            await().until(() -> first.nextCronInterval(gid) == 20); // the first round failed and ended
        }
        try (TestServer second = new TestServer(embeddedIn(data), c -> c, serverTracing())) {
            second.cron(); // the second round, read from the store by a new server
            await().until(() -> second.status(gid).equals("succeed"));
        }

        List<SpanData> rounds = spans("dtm4j round saga").stream()
                .filter(r -> gid.equals(r.getAttributes().get(GID)))
                .toList();
        assertThat(rounds).hasSize(2).allSatisfy(r -> {
            assertThat(r.getTraceId()).isEqualTo(transfer.getSpanContext().getTraceId());
            assertThat(r.getParentSpanId()).isEqualTo(transfer.getSpanContext().getSpanId());
        });
        List<SpanData> calls = childrenOf(rounds, "dtm4j call action");
        assertThat(calls).hasSize(2);
        assertThat(childrenOf(calls, "busi TransOut"))
                .hasSize(2)
                .allSatisfy(s -> assertThat(s.getTraceId())
                        .isEqualTo(transfer.getSpanContext().getTraceId()));
    }

    @Test
    void grpcTraceRunsFromTheCallerThroughTheRoundIntoTheHandler() {
        Span transfer = app.spanBuilder("transfer").startSpan();
        String gid;
        try (TestServer server = new TestServer(null, c -> c, serverTracing());
                DtmClient dtm = DtmClient.grpc("127.0.0.1:" + server.server().grpcPort())) {
            gid = dtm.newGid();
            try (Scope ignored = transfer.makeCurrent()) {
                dtm.saga(gid)
                        .add(grpcBusi.url("TransOut"), grpcBusi.url("TransOutRevert"), new byte[0])
                        .waitResult(true)
                        .submit();
            } finally {
                transfer.end();
            }
        }

        List<SpanData> rounds = spans("dtm4j round saga").stream()
                .filter(r -> gid.equals(r.getAttributes().get(GID)))
                .toList();
        assertThat(rounds).singleElement().satisfies(r -> {
            assertThat(r.getTraceId()).isEqualTo(transfer.getSpanContext().getTraceId());
            assertThat(r.getParentSpanId()).isEqualTo(transfer.getSpanContext().getSpanId());
        });
        assertThat(childrenOf(childrenOf(rounds, "dtm4j call action"), "busi TransOut"))
                .singleElement();
        assertThat(grpcBusi.calls(gid))
                .singleElement()
                .satisfies(c -> assertThat(c.metadata().get("traceparent"))
                        .contains(transfer.getSpanContext().getTraceId()));
    }

    @Test
    void withoutACurrentSpanNothingIsSent() {
        assertThat(Traces.current()).isEmpty();
        Span span = app.spanBuilder("outer").startSpan();
        try (Scope ignored = span.makeCurrent()) {
            assertThat(Traces.current())
                    .containsEntry(
                            "traceparent",
                            "00-" + span.getSpanContext().getTraceId() + "-"
                                    + span.getSpanContext().getSpanId() + "-"
                                    + span.getSpanContext().getTraceFlags().asHex());
        } finally {
            span.end();
        }
    }
}
