package io.dtm4j.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.Outcome;
import io.dtm4j.server.invoke.broker.BrokerInvoker;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.testing.PrivateNats;
import io.dtm4j.server.testing.TcpProxy;
import io.dtm4j.server.testing.TestNats;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Broker branches on NATS JetStream: the machine's server (127.0.0.1:4222, or a private one when it
 * lacks JetStream: {@link TestNats}) for
 * publishes and duplicates, a private nats-server that the test kills and restarts for a broker
 * stopped mid-run (docs/brokers.md).
 */
class NatsBranchTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String STREAM = "DTM4J_TEST_" + RUN;
    static final String SUBJECTS = "dtm4j-test." + RUN;

    static Connection admin;
    static PrivateNats privateNats;
    static Connection privateAdmin;
    static TcpProxy proxy;
    static TestServer dtm;
    static final Map<String, Broker> BROKERS = new java.util.HashMap<>();

    String gid;

    @BeforeAll
    static void start() throws Exception {
        String address = TestNats.address();
        try {
            admin = Nats.connect(new io.nats.client.Options.Builder()
                    .server("nats://" + address)
                    .connectionTimeout(Duration.ofSeconds(2))
                    .build());
            stream(admin);
        } catch (Exception e) {
            System.err.println("NatsBranchTest skipped: no NATS with JetStream on " + address + " (" + e + ")");
            Assumptions.abort("no NATS with JetStream on " + address + ": " + e);
        }
        BROKERS.put("events", new Broker("nats", List.of(address), "", "", "/"));
        proxy = new TcpProxy(Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
        BROKERS.put("behind-proxy", new Broker("nats", List.of("127.0.0.1:" + proxy.port()), "", "", "/"));
        if (PrivateNats.available()) {
            privateNats = new PrivateNats();
            privateAdmin = Nats.connect("nats://127.0.0.1:" + privateNats.port());
            stream(privateAdmin);
            BROKERS.put("private", new Broker("nats", List.of("127.0.0.1:" + privateNats.port()), "", "", "/"));
        }
        dtm = new TestServer(c -> c.withBrokers(BROKERS));
    }

    /** A file-backed stream on the test's subjects, with JetStream's default two-minute duplicate window. */
    static void stream(Connection c) throws Exception {
        c.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(STREAM)
                        .subjects(SUBJECTS + ".>")
                        .storageType(StorageType.File)
                        .build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (dtm != null) {
            dtm.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (admin != null) {
            admin.jetStreamManagement().deleteStream(STREAM);
            admin.close();
        }
        if (privateNats != null) {
            privateAdmin.close();
            privateNats.close();
        }
    }

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName() + "-" + RUN;
    }

    TestServer.Response submit(Trans t) {
        return dtm.post("/api/dtmsvr/submit", t.body());
    }

    JsonNode attempts() {
        return dtm.parse(dtm.get("/api/dtm4j/attempts?gid=" + gid).body()).path("attempts");
    }

    /** The stream's messages on {@code subject}, oldest first. */
    static List<MessageInfo> stored(Connection c, String subject) throws Exception {
        JetStreamManagement jsm = c.jetStreamManagement();
        long last = jsm.getStreamInfo(STREAM).getStreamState().getLastSequence();
        List<MessageInfo> found = new java.util.ArrayList<>();
        for (long seq = 1; seq <= last; seq++) {
            try {
                MessageInfo m = jsm.getMessage(STREAM, seq);
                if (m.getSubject().equals(subject)) {
                    found.add(m);
                }
            } catch (io.nats.client.JetStreamApiException deleted) {
                // no message at this sequence
            }
        }
        return found;
    }

    @Test
    void eachMsgStepIsPublishedWithAckAndCarriesItsDedupKeyAsNatsMsgId() throws Exception {
        String subject = SUBJECTS + ".in." + gid;
        var t = Trans.msg(gid).step("nats://events/" + subject, PAYLOAD);

        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("succeed"));
        List<MessageInfo> got = stored(admin, subject);
        assertThat(got).hasSize(1);
        var m = got.get(0);
        assertThat(new String(m.getData(), StandardCharsets.UTF_8)).isEqualTo(PAYLOAD);
        assertThat(m.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo(gid + "/01/action");
        assertThat(m.getHeaders().getFirst("dtm-gid")).isEqualTo(gid);
        assertThat(m.getHeaders().getFirst("dtm-branch-id")).isEqualTo("01");
        assertThat(m.getHeaders().getFirst("dtm-trans-type")).isEqualTo("msg");
        assertThat(m.getHeaders().getFirst("dtm-op")).isEqualTo("action");
        assertThat(m.getHeaders().getFirst("dtm-msg-id")).isEqualTo(gid + "/01/action");
    }

    @Test
    void aSubjectNoStreamCapturesIsRetried() {
        var t = Trans.msg(gid).step("nats://events/dtm4j-nostream." + RUN, PAYLOAD);

        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        await().until(() -> attempts().path("01 action").size() > 0);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(attempts().path("01 action").get(0).path("outcome").asText()).isEqualTo("error");
    }

    /**
     * A server killed after the publish and before it wrote the branch's status publishes again when it
     * recovers the transaction: the same branch call, so the same Nats-Msg-Id, which JetStream drops.
     * Simulated here by making the branch call twice, as the recovering server does.
     */
    @Test
    void aPublishRepeatedAfterACrashIsDroppedByJetStream() throws Exception {
        String subject = SUBJECTS + ".again." + gid;
        var metrics = new Metrics("test");
        try (var invoker = new BrokerInvoker(BROKERS, metrics)) {
            var call = new BranchCall(
                    "nats://events/" + subject,
                    "http",
                    gid,
                    "msg",
                    "01",
                    "action",
                    PAYLOAD.getBytes(StandardCharsets.UTF_8),
                    true,
                    Map.of(),
                    Duration.ofSeconds(3),
                    () -> true);

            Outcome first = invoker.call(call);
            Outcome second = invoker.call(call);

            assertThat(first.isSuccess()).as(first.text()).isTrue();
            assertThat(second.isSuccess()).as(second.text()).isTrue();
            assertThat(second.text()).startsWith("duplicate");
        }
        assertThat(stored(admin, subject)).hasSize(1);
        assertThat(new String(metrics.scrape(), StandardCharsets.UTF_8))
                .contains("dtm4j_broker_publish_seconds_count{broker=\"events\",kind=\"nats\",outcome=\"confirmed\"} 1")
                .contains(
                        "dtm4j_broker_publish_seconds_count{broker=\"events\",kind=\"nats\",outcome=\"duplicate\"} 1");
    }

    /**
     * The branch's status write after a publish fails (the round lost its claim while it waited for
     * the ack, as when the server dies right after the publish): the transaction is recovered, the
     * branch published again with the same Nats-Msg-Id, and JetStream keeps one copy.
     */
    @Test
    void aPublishWhoseStatusWriteFailedIsPublishedAgainAndJetStreamKeepsOneCopy() throws Exception {
        String subject = SUBJECTS + ".fenced." + gid;
        var t = Trans.msg(gid).step("nats://behind-proxy/" + subject, PAYLOAD).set("request_timeout", 15);
        // a first transaction connects the server's publisher through the proxy, without delay
        var first = Trans.msg(gid + "-first").step("nats://behind-proxy/" + subject + ".first", PAYLOAD);
        assertThat(submit(first).body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid + "-first").equals("succeed"));
        proxy.delayReplies(Duration.ofSeconds(2)); // the stream stores it at once; its ack comes late
        try {
            assertThat(submit(t).body()).isEqualTo(SUCCESS);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> stored(admin, subject).size() == 1);
            // while the round waits for the ack, its lease runs out and another node claims the transaction
            dtm.loseClaimTo("other-node", gid);
        } finally {
            proxy.delayReplies(Duration.ZERO);
        }
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P");

        // the other node is gone: once its lease is over, this node publishes the branch again
        dtm.clock.advanceSeconds(60);
        assertThat(dtm.cron(Duration.ZERO)).isPositive();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(stored(admin, subject)).hasSize(1);
        assertThat(dtm.get("/api/metrics").body())
                .contains(
                        "dtm4j_broker_publish_seconds_count{broker=\"behind-proxy\",kind=\"nats\",outcome=\"duplicate\"} 1");
    }

    @Test
    void aBrokerStoppedMidRunIsRetriedAndTheBranchCompletesOnceItIsBack() throws Exception {
        Assumptions.assumeTrue(privateNats != null, "no " + PrivateNats.BINARY + " to run a private nats-server");
        String subject = SUBJECTS + ".restart." + gid;
        // a first transaction connects the server's publisher
        var first = Trans.msg(gid + "-first").step("nats://private/" + subject, PAYLOAD);
        assertThat(submit(first).body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid + "-first").equals("succeed"));

        privateNats.stop();
        try {
            var t = Trans.msg(gid).step("nats://private/" + subject, "{\"amount\":40}");
            assertThat(submit(t).body()).isEqualTo(SUCCESS);
            await().until(() -> attempts().path("01 action").size() > 0);
            assertThat(dtm.status(gid)).isEqualTo("submitted");
        } finally {
            privateNats.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            dtm.clock.advance(Duration.ofSeconds(dtm.nextCronInterval(gid) + 1));
            dtm.cron();
            return dtm.status(gid).equals("succeed");
        });

        await().until(() -> privateAdmin.getStatus() == Connection.Status.CONNECTED);
        assertThat(stored(privateAdmin, subject))
                .extracting(m -> m.getHeaders().getFirst("Nats-Msg-Id"))
                .containsExactly(gid + "-first/01/action", gid + "/01/action");
    }
}
