package io.dtm4j.spring.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmClient;
import io.dtm4j.server.testing.TestServer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.sdk.trace.ReadableSpan;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * docs/spring-boot.md#tracing with Boot's OpenTelemetry support (Micrometer Tracing bridged to
 * OpenTelemetry): a saga submitted by the auto-configured DtmClient inside an observation joins the
 * observation's trace. The in-process dtm4j server (exporting no spans) receives the caller's
 * traceparent and forwards it with its branch call; the branch handler, a controller of the same
 * application called on a Tomcat thread by the server, sees the caller's trace id both in the header
 * and in the span Boot's server instrumentation made current for the request.
 *
 * <p>{@code @AutoConfigureTracing}: without it a {@code @SpringBootTest} sets {@code
 * management.tracing.export.enabled=false}, and Boot 4.0 then also replaces the W3C propagator with a
 * no-op one, so the handler's span would start a new trace although the header arrived.
 */
@AutoConfigureTracing
@SpringBootTest(
        classes = TracingTest.TracedApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.tracing.sampling.probability=1.0",
            "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"
        })
class TracingTest {
    static TestServer server;

    @DynamicPropertySource
    static void dtmServer(DynamicPropertyRegistry registry) {
        server = new TestServer();
        registry.add("dtm4j.server", server::dtm);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** A service whose saga branch records the trace it runs in. */
    @SpringBootApplication
    static class TracedApplication {
        /** What the handler saw of one branch call. */
        record Seen(String traceparent, SpanContext span, SpanContext parent) {}

        @RestController
        static class Branches {
            /** By gid: the action calls received. */
            final Map<String, Seen> actions = new ConcurrentHashMap<>();

            @PostMapping("/trace/action")
            void action(
                    BranchIdentity branch, @RequestHeader(name = "traceparent", required = false) String traceparent) {
                Span current = Span.current();
                SpanContext parent = current instanceof ReadableSpan readable ? readable.getParentSpanContext() : null;
                actions.put(branch.gid(), new Seen(traceparent, current.getSpanContext(), parent));
            }

            @PostMapping("/trace/compensate")
            void compensate(BranchIdentity branch) {}
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    DtmClient dtm;

    @Autowired
    ObservationRegistry observations;

    @Autowired
    Tracer tracer;

    @Autowired
    TracedApplication.Branches branches;

    @Test
    void aSagaSubmittedInsideAnObservationIsSeenByItsBranchInTheCallersTrace() {
        String busi = "http://127.0.0.1:" + port + "/trace";
        String gid = dtm.newGid();
        AtomicReference<SpanContext> caller = new AtomicReference<>();
        AtomicReference<String> micrometerTraceId = new AtomicReference<>();

        Observation.createNotStarted("checkout", observations).observe(() -> {
            caller.set(Span.current().getSpanContext());
            micrometerTraceId.set(tracer.currentSpan().context().traceId());
            dtm.saga(gid)
                    .add(busi + "/action", busi + "/compensate", "{}")
                    .waitResult(true)
                    .submit();
        });

        SpanContext callerSpan = caller.get();
        assertThat(callerSpan.isValid())
                .as("the observation's span is the current OpenTelemetry span")
                .isTrue();
        assertThat(callerSpan.getTraceId()).isEqualTo(micrometerTraceId.get());

        await().atMost(Duration.ofSeconds(20)).until(() -> branches.actions.containsKey(gid));
        assertThat(server.status(gid)).isEqualTo("succeed");
        TracedApplication.Seen seen = branches.actions.get(gid);

        assertThat(seen.traceparent())
                .as("traceparent of the server's branch call")
                .isNotNull();
        String[] fields = seen.traceparent().split("-");
        assertThat(fields).hasSize(4);
        assertThat(fields[1]).as("trace id the server forwarded").isEqualTo(callerSpan.getTraceId());
        assertThat(fields[2])
                .as("the server exports no spans here, so its call carries the caller's span as parent")
                .isEqualTo(callerSpan.getSpanId());

        assertThat(seen.span().getTraceId())
                .as("trace id of the handler's current span (Boot's server instrumentation)")
                .isEqualTo(callerSpan.getTraceId());
        assertThat(seen.span().getSpanId()).isNotEqualTo(callerSpan.getSpanId());
        assertThat(seen.parent())
                .as("the handler's span is an SDK span with a parent")
                .isNotNull();
        assertThat(seen.parent().getSpanId()).isEqualTo(callerSpan.getSpanId());
        assertThat(seen.parent().isRemote()).isTrue();
    }
}
