package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * With an exporter, every round is a span under the creating call's trace and every branch call a
 * child span whose context the business service receives (docs/observability.md#tracing); the
 * OpenTelemetry SDK's in-memory exporter stands for a collector.
 */
class SpansTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN = "00f067aa0ba902b7";
    static final AttributeKey<String> GID = AttributeKey.stringKey("dtm.gid");

    static final InMemorySpanExporter exported = InMemorySpanExporter.create();
    static final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exported))
                    .build())
            .build();
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer(null, c -> c, new Tracing(otel, true));

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close(); // closes the SDK too
        busi.close();
    }

    Trans saga() {
        return Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}");
    }

    List<SpanData> spans(String name) {
        return exported.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name) && gid.equals(attributeOf(s)))
                .toList();
    }

    /** The gid of a round span, or of the round a call span belongs to. */
    String attributeOf(SpanData s) {
        String own = s.getAttributes().get(GID);
        if (own != null) {
            return own;
        }
        return exported.getFinishedSpanItems().stream()
                .filter(r -> r.getSpanId().equals(s.getParentSpanId()))
                .map(r -> r.getAttributes().get(GID))
                .findFirst()
                .orElse(null);
    }

    @Test
    void roundsAndCallsAreSpansOfTheCallersTraceAndTheServiceIsTheirChild() {
        busi.scriptFor(gid, "TransOut", Reply.ERROR);
        HttpRequest.Builder submit = HttpRequest.newBuilder(URI.create(dtm.baseUrl() + "/api/dtmsvr/submit"))
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01")
                .POST(HttpRequest.BodyPublishers.ofString(
                        dtm.json.valueToTree(saga().body()).toString()));
        assertThat(dtm.send(submit).status()).isEqualTo(200);
        await().until(() -> dtm.nextCronInterval(gid) == 20);
        dtm.cron(); // the second round reads the context from the store

        await().until(() -> spans("dtm4j call action").size() == 2);
        List<SpanData> rounds = spans("dtm4j round saga");
        assertThat(rounds).hasSize(2).allSatisfy(r -> {
            assertThat(r.getTraceId()).isEqualTo(TRACE);
            assertThat(r.getParentSpanId()).isEqualTo(CALLER_SPAN);
        });
        assertThat(rounds)
                .extracting(r -> r.getAttributes().get(AttributeKey.stringKey("dtm.status_after")))
                .containsExactlyInAnyOrder("submitted", "succeed");

        List<SpanData> calls = spans("dtm4j call action");
        assertThat(calls).allSatisfy(c -> {
            assertThat(c.getTraceId()).isEqualTo(TRACE);
            assertThat(rounds).extracting(SpanData::getSpanId).contains(c.getParentSpanId());
            assertThat(c.getAttributes().get(AttributeKey.stringKey("url.full")))
                    .isEqualTo(busi.url("TransOut"));
        });
        assertThat(calls)
                .extracting(c -> c.getStatus().getStatusCode())
                .containsExactlyInAnyOrder(StatusCode.ERROR, StatusCode.UNSET);
        assertThat(calls) // the second call follows one failure
                .extracting(c -> c.getAttributes().get(AttributeKey.longKey("dtm.retry_count")))
                .containsExactlyInAnyOrder(0L, 1L);
        // the business service is the child of each call span
        assertThat(busi.calls(gid))
                .extracting(c -> c.header("traceparent"))
                .containsExactlyInAnyOrderElementsOf(calls.stream()
                        .map(c -> "00-" + TRACE + "-" + c.getSpanId() + "-01")
                        .toList());
    }

    @Test
    void aTransactionWithoutTraceContextStartsItsOwnTrace() {
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                saga().set("wait_result", true).body())
                        .status())
                .isEqualTo(200);

        await().until(() -> spans("dtm4j call action").size() == 1);
        SpanData round = spans("dtm4j round saga").getFirst();
        assertThat(round.getParentSpanId()).isEqualTo(SpanId.getInvalid());
        SpanData call = spans("dtm4j call action").getFirst();
        assertThat(busi.calls(gid))
                .singleElement()
                .satisfies(c -> assertThat(c.header("traceparent"))
                        .isEqualTo("00-" + round.getTraceId() + "-" + call.getSpanId()
                                + "-03")); // sampled, random trace id (W3C level 2)
    }

    @Test
    void storeWritesOfARoundAreEventsOfItsSpanWithTheirDuration() {
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                saga().set("wait_result", true).body())
                        .status())
                .isEqualTo(200);

        await().until(() -> spans("dtm4j round saga").size() == 1);
        List<EventData> events = spans("dtm4j round saga").getFirst().getEvents();
        assertThat(events).extracting(EventData::getName).contains("store change_status");
        assertThat(events)
                .allSatisfy(e -> assertThat(e.getAttributes().get(AttributeKey.doubleKey("dtm.duration_ms")))
                        .isNotNull()
                        .isGreaterThanOrEqualTo(0.0));
    }

    @Test
    void theConfiguredExporterTurnsSpansOnAndNoneLeavesThemOff() {
        assertThat(Tracing.from(ServerConfig.TracingConfig.NONE)).isSameAs(Tracing.OFF);
        try (Tracing console =
                Tracing.from(new ServerConfig.TracingConfig("console", "", "http/protobuf", 0.5, true))) {
            assertThat(console.isOn()).isTrue();
            assertThat(console.storeEvents()).isTrue();
        }
    }

    @Test
    void aRoundThatRollsBackCarriesTheReason() {
        busi.scriptFor(gid, "TransOut", Reply.failure("Insufficient balance"));
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                saga().set("wait_result", true).body())
                        .status())
                .isEqualTo(409);

        await().until(() -> spans("dtm4j round saga").size() == 1);
        assertThat(spans("dtm4j round saga")
                        .getFirst()
                        .getAttributes()
                        .get(AttributeKey.stringKey("dtm.rollback_reason")))
                .contains("Insufficient balance");
    }
}
