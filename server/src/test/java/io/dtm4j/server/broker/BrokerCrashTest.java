package io.dtm4j.server.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.dtm4j.server.testing.ServerProcess;
import io.dtm4j.server.testing.TcpProxy;
import io.dtm4j.server.testing.TestNats;
import io.dtm4j.server.testing.Trans;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed with SIGKILL after the brokers stored its publishes and before it wrote the
 * branches' status (the confirms are held back by proxies in front of the machine's RabbitMQ and
 * NATS), restarted on the same data: it publishes the branches again with the same dedup key, so
 * JetStream keeps one copy and RabbitMQ's two copies carry the same message-id (docs/brokers.md).
 */
class BrokerCrashTest {
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String STREAM = "DTM4J_CRASH_" + RUN;
    static final String SUBJECT = "dtm4j-crash." + RUN + ".in";
    static final String QUEUE = "dtm4j-crash-" + RUN;

    @TempDir
    Path tmp;

    com.rabbitmq.client.Connection rabbit;
    Channel channel;
    Connection nats;
    TcpProxy rabbitProxy;
    TcpProxy natsProxy;
    ServerProcess server;

    @BeforeEach
    void brokers() throws Exception {
        String natsAddress = TestNats.address();
        try {
            var factory = new ConnectionFactory();
            factory.setConnectionTimeout(2000);
            rabbit = factory.newConnection("dtm4j-crash-test");
            nats = Nats.connect(new io.nats.client.Options.Builder()
                    .server("nats://" + natsAddress)
                    .connectionTimeout(Duration.ofSeconds(2))
                    .build());
            nats.jetStreamManagement()
                    .addStream(StreamConfiguration.builder()
                            .name(STREAM)
                            .subjects(SUBJECT)
                            .storageType(StorageType.Memory)
                            .build());
        } catch (Exception e) {
            System.err.println("BrokerCrashTest skipped: needs RabbitMQ on 5672 and NATS with JetStream (" + e + ")");
            Assumptions.abort("needs RabbitMQ on 5672 and NATS with JetStream: " + e);
        }
        channel = rabbit.createChannel();
        channel.queueDeclare(QUEUE, true, false, false, Map.of());
        rabbitProxy = new TcpProxy(5672);
        natsProxy = new TcpProxy(Integer.parseInt(natsAddress.substring(natsAddress.lastIndexOf(':') + 1)));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (rabbit != null) {
            channel.queueDelete(QUEUE);
            rabbit.close();
            nats.jetStreamManagement().deleteStream(STREAM);
            nats.close();
            rabbitProxy.close();
            natsProxy.close();
        }
    }

    @Test
    void aServerKilledBetweenPublishAndStatusWritePublishesAgainWithTheSameDedupKey() throws Exception {
        String brokers = "{rabbit: {Kind: amqp, Address: '127.0.0.1:%d', User: guest, Password: guest},"
                        .formatted(rabbitProxy.port())
                + " events: {Kind: nats, Address: '127.0.0.1:%d'}}".formatted(natsProxy.port());
        server = new ServerProcess(
                        tmp.resolve("data"),
                        Map.of(
                                "RETRY_INTERVAL", "1",
                                "MAX_RETRY_INTERVAL", "1",
                                "TRANS_CRON_INTERVAL", "1",
                                "REQUEST_TIMEOUT", "20",
                                "LOG_LEVEL", "warn",
                                "BROKERS", brokers))
                .start();
        String amqp = "amqp://rabbit?routing_key=" + QUEUE;
        String subject = "nats://events/" + SUBJECT;
        // a first transaction opens the server's connections through the proxies, without delay
        String warmUp = "warm-up-" + RUN;
        submit(Trans.msg(warmUp).step(amqp, "{}").step(subject, "{}"));
        Awaitility.await()
                .atMost(ServerProcess.budget(Duration.ofSeconds(5)))
                .until(() -> server.status(warmUp).equals("succeed"));
        List<GetResponse> warm = drain();
        assertThat(warm).hasSize(1);

        String gid = "crashed-" + RUN;
        rabbitProxy.delayReplies(Duration.ofSeconds(30)); // the brokers store the messages; their confirms wait
        natsProxy.delayReplies(Duration.ofSeconds(30));
        submit(Trans.msg(gid)
                .step(amqp, "{\"amount\":30}")
                .step(subject, "{\"amount\":30}")
                .set("concurrent", true));
        JetStreamManagement jsm = nats.jetStreamManagement();
        Awaitility.await("both brokers hold the messages")
                .atMost(Duration.ofSeconds(20))
                .until(() -> channel.messageCount(QUEUE) == 1
                        && jsm.getStreamInfo(STREAM).getStreamState().getMsgCount() == 2);
        server.kill();
        rabbitProxy.cut(); // the held confirms die with the connections
        natsProxy.cut();
        rabbitProxy.restore();
        natsProxy.restore();
        rabbitProxy.delayReplies(Duration.ZERO);
        natsProxy.delayReplies(Duration.ZERO);

        server.start();
        Awaitility.await("the recovered transaction succeeds")
                .atMost(ServerProcess.budget(server.nextRound(2)))
                .until(() -> server.status(gid).equals("succeed"));

        assertThat(drain())
                .extracting(m -> m.getProps().getMessageId())
                .containsExactly(gid + "/01/action", gid + "/01/action");
        assertThat(jsm.getStreamInfo(STREAM).getStreamState().getMsgCount())
                .as("the warm-up's message and one copy of this one")
                .isEqualTo(2);
        assertThat(server.get("/api/metrics").body())
                .contains(
                        "dtm4j_broker_publish_seconds_count{broker=\"events\",kind=\"nats\",outcome=\"duplicate\"} 1");
    }

    void submit(Trans t) throws Exception {
        var r = server.post("/api/dtmsvr/submit", new ObjectMapper().writeValueAsString(t.body()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    List<GetResponse> drain() throws Exception {
        List<GetResponse> messages = new ArrayList<>();
        for (GetResponse r; (r = channel.basicGet(QUEUE, true)) != null; ) {
            messages.add(r);
        }
        return messages;
    }
}
