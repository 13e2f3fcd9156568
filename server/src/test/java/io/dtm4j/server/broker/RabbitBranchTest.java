package io.dtm4j.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.testing.TcpProxy;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
 * Broker branches on the machine's RabbitMQ (127.0.0.1:5672, guest): confirmed persistent publishes
 * with the branch headers, unroutable messages and an unreachable broker as retried errors, and the
 * URLs refused at submit (docs/brokers.md). The broker is never stopped: "unreachable" is a cut
 * {@link TcpProxy} in front of it.
 */
class RabbitBranchTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String EXCHANGE = "dtm4j-test-" + RUN;
    static final String QUEUE = "dtm4j-test-in-" + RUN;

    static Connection admin;
    static Channel channel;
    static TcpProxy proxy;
    static TestServer dtm;

    String gid;

    @BeforeAll
    static void start() throws Exception {
        var factory = new ConnectionFactory();
        factory.setConnectionTimeout(2000);
        try {
            admin = factory.newConnection("dtm4j-test");
        } catch (Exception e) {
            System.err.println("RabbitBranchTest skipped: no RabbitMQ on 127.0.0.1:5672 (" + e + ")");
            Assumptions.abort("no RabbitMQ on 127.0.0.1:5672: " + e);
        }
        channel = admin.createChannel();
        channel.exchangeDeclare(EXCHANGE, BuiltinExchangeType.DIRECT, true, true, Map.of());
        channel.queueDeclare(QUEUE, true, false, true, Map.of());
        channel.queueBind(QUEUE, EXCHANGE, "in");
        proxy = new TcpProxy(5672);
        dtm = new TestServer(c -> c.withBrokers(Map.of(
                "rabbit", new Broker("amqp", List.of("127.0.0.1:5672"), "guest", "guest", "/"),
                "behind-proxy", new Broker("amqp", List.of("127.0.0.1:" + proxy.port()), "guest", "guest", "/"),
                "jet", new Broker("nats", List.of("127.0.0.1:4222"), "", "", "/"))));
    }

    @AfterAll
    static void stop() throws Exception {
        if (dtm != null) {
            dtm.close();
            proxy.close();
        }
        if (admin != null) {
            channel.queueDelete(QUEUE);
            channel.exchangeDelete(EXCHANGE);
            admin.close();
        }
    }

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName() + "-" + RUN;
    }

    static String to(String broker, String routingKey) {
        return "amqp://" + broker + "?exchange=" + EXCHANGE + "&routing_key=" + routingKey;
    }

    TestServer.Response submit(Trans t) {
        return dtm.post("/api/dtmsvr/submit", t.body());
    }

    /** The messages now in the test queue, taken off it (acknowledged). */
    static List<GetResponse> drain() throws Exception {
        List<GetResponse> messages = new ArrayList<>();
        for (GetResponse r; (r = channel.basicGet(QUEUE, true)) != null; ) {
            messages.add(r);
        }
        return messages;
    }

    JsonNode attempts() {
        return dtm.parse(dtm.get("/api/dtm4j/attempts?gid=" + gid).body()).path("attempts");
    }

    void retryNow() {
        dtm.clock.advance(Duration.ofSeconds(dtm.nextCronInterval(gid) + 1));
        dtm.cron();
    }

    @Test
    void eachMsgStepIsPublishedPersistentWithBranchHeadersOnceConfirmed() throws Exception {
        drain();
        var t = Trans.msg(gid)
                .step(to("rabbit", "in"), PAYLOAD)
                // the default exchange routes a key to the queue of that name
                .step("amqp://rabbit?routing_key=" + QUEUE, "{\"amount\":40}");

        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("succeed"));
        List<GetResponse> got = drain();
        assertThat(got).hasSize(2);
        for (int i = 0; i < 2; i++) {
            var m = got.get(i);
            String branch = "0" + (i + 1);
            assertThat(new String(m.getBody(), StandardCharsets.UTF_8)).isEqualTo(i == 0 ? PAYLOAD : "{\"amount\":40}");
            assertThat(m.getProps().getDeliveryMode()).isEqualTo(2);
            assertThat(m.getProps().getMessageId()).isEqualTo(gid + "/" + branch + "/action");
            Map<String, String> headers = new java.util.HashMap<>();
            m.getProps().getHeaders().forEach((k, v) -> headers.put(k, String.valueOf(v)));
            assertThat(headers)
                    .containsEntry("dtm-gid", gid)
                    .containsEntry("dtm-branch-id", branch)
                    .containsEntry("dtm-trans-type", "msg")
                    .containsEntry("dtm-op", "action")
                    .containsEntry("dtm-msg-id", gid + "/" + branch + "/action");
        }
        String metrics = dtm.get("/api/metrics").body();
        assertThat(metrics)
                .contains("dtm4j_broker_publish_seconds_count{broker=\"rabbit\",kind=\"amqp\",outcome=\"confirmed\"}");
    }

    @Test
    void anUnroutableMessageIsRetriedNotDroppedUntilAQueueTakesIt() throws Exception {
        String key = "later-" + RUN;
        var t = Trans.msg(gid).step(to("rabbit", key), PAYLOAD);

        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        await().until(() -> attempts().path("01 action").size() > 0);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(attempts().path("01 action").get(0).path("error").asText())
                .contains("could not route the message")
                .contains("NO_ROUTE");

        channel.queueBind(QUEUE, EXCHANGE, key);
        try {
            drain();
            retryNow();
            assertThat(dtm.status(gid)).isEqualTo("succeed");
            assertThat(drain()).hasSize(1);
        } finally {
            channel.queueUnbind(QUEUE, EXCHANGE, key);
        }
    }

    @Test
    void aBrokerUnreachableMidRunIsRetriedAndTheBranchCompletesOnceItIsBack() throws Exception {
        drain();
        // a first transaction opens the pooled connection through the proxy
        var first = Trans.msg(gid + "-first").step(to("behind-proxy", "in"), PAYLOAD);
        assertThat(submit(first).body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid + "-first").equals("succeed"));

        proxy.cut();
        try {
            var t = Trans.msg(gid).step(to("behind-proxy", "in"), PAYLOAD);
            assertThat(submit(t).body()).isEqualTo(SUCCESS);
            await().until(() -> attempts().path("01 action").size() > 0);
            assertThat(dtm.status(gid)).isEqualTo("submitted");
            retryNow();
            assertThat(dtm.status(gid)).isEqualTo("submitted");
            assertThat(attempts().path("01 action").size()).isEqualTo(2);
        } finally {
            proxy.restore();
        }
        retryNow();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(drain())
                .extracting(m -> m.getProps().getMessageId())
                .containsExactly(gid + "-first/01/action", gid + "/01/action");
    }

    /**
     * The branch's status write after a publish fails (the round lost its claim while it waited for
     * the confirm, as when the server dies right after the publish): the transaction is recovered and
     * the branch published again. RabbitMQ keeps both copies, with the same message-id and headers,
     * for the consumer's barrier to drop one (client: BarrierConsumerTest).
     */
    @Test
    void aPublishWhoseStatusWriteFailedIsPublishedAgainWithTheSameMessageId() throws Exception {
        drain();
        var first = Trans.msg(gid + "-first").step(to("behind-proxy", "in"), PAYLOAD);
        assertThat(submit(first).body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid + "-first").equals("succeed"));
        drain();
        var t = Trans.msg(gid).step(to("behind-proxy", "in"), PAYLOAD).set("request_timeout", 15);
        proxy.delayReplies(Duration.ofSeconds(2)); // the queue has it at once; the confirm comes late
        try {
            assertThat(submit(t).body()).isEqualTo(SUCCESS);
            await().until(() -> channel.messageCount(QUEUE) == 1);
            dtm.loseClaimTo("other-node", gid);
        } finally {
            proxy.delayReplies(Duration.ZERO);
        }
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        dtm.clock.advanceSeconds(60);
        assertThat(dtm.cron(Duration.ZERO)).isPositive();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(drain())
                .extracting(m -> m.getProps().getMessageId())
                .containsExactly(gid + "/01/action", gid + "/01/action");
    }

    @Test
    void aSagaMayPublishInActionsAndCompensations() throws Exception {
        drain();
        var t = Trans.saga(gid).step(to("rabbit", "in"), to("rabbit", "in"), PAYLOAD);

        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(drain()).extracting(m -> m.getProps().getMessageId()).containsExactly(gid + "/01/action");
    }

    @Test
    void submitRefusesBrokerUrlsTheServerCannotPublishTo() {
        Map<String, String> refused = Map.of(
                "amqp://nobody?exchange=x",
                        "no broker named 'nobody' in the server's Brokers settings (amqp brokers: behind-proxy, rabbit)",
                "amqp://guest:guest@rabbit?exchange=x", "credentials do not belong in a branch URL",
                "amqp://127.0.0.1:5672?exchange=x", "not a host or host:port",
                "amqp://rabbit", "needs exchange=, routing_key= or both",
                "amqp://rabbit/vhost?exchange=x", "an amqp URL has no path",
                "amqp://rabbit?exchange=x&queue=y", "unknown parameter 'queue'",
                "nats://rabbit/subject", "broker 'rabbit' is of kind amqp, not nats",
                "nats://jet/a.*", "no wildcards",
                "kafka://jet/t", "broker 'jet' is of kind nats, not kafka");
        refused.forEach((url, reason) -> {
            var r = submit(Trans.msg(gid).step(url, PAYLOAD));
            assertThat(r.status()).as(url).isEqualTo(400);
            assertThat(r.body()).as(url).contains(reason);
        });
        var callback = dtm.post(
                "/api/dtmsvr/prepare",
                Trans.msg(gid)
                        .step(to("rabbit", "in"), PAYLOAD)
                        .set("query_prepared", to("rabbit", "in"))
                        .body());
        assertThat(callback.status()).isEqualTo(400);
        assertThat(callback.body()).contains("query_prepared URL").contains("cannot answer the server");
        assertThat(dtm.transaction(gid).isNull() || dtm.transaction(gid).isMissingNode())
                .as("nothing was stored")
                .isTrue();
    }

    @Test
    void tccBranchesCannotBeBrokerUrls() {
        assertThat(dtm.post("/api/dtmsvr/prepare", Map.of("gid", gid, "trans_type", "tcc"))
                        .body())
                .isEqualTo(SUCCESS);

        var r = dtm.post(
                "/api/dtmsvr/registerBranch",
                Map.of(
                        "gid",
                        gid,
                        "trans_type",
                        "tcc",
                        "branch_id",
                        "01",
                        "data",
                        PAYLOAD,
                        "confirm",
                        to("rabbit", "in"),
                        "cancel",
                        to("rabbit", "in")));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("is a broker URL, which cannot report a tcc branch's business result");
    }
}
