package io.dtm4j.client.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.dtm4j.client.barrier.BarrierSchema;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.broker.BrokerInvoker;
import io.dtm4j.server.testing.TestNats;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The consumer side of broker branches: messages a real server published (RabbitMQ, NATS JetStream),
 * delivered or published twice, change the balance once (docs/brokers.md#consumers).
 */
class BarrierConsumerTest {
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String QUEUE = "dtm4j-consumer-test-" + RUN;
    static final String STREAM = "DTM4J_CONSUMER_" + RUN;
    static final String SUBJECT = "dtm4j-consumer." + RUN;
    static Map<String, Broker> BROKERS;

    static Path file;
    static SQLiteDataSource db;
    static TestServer dtm;
    static com.rabbitmq.client.Connection rabbit;
    static Channel channel;
    static Connection nats;

    String gid;

    @BeforeAll
    static void start() throws Exception {
        String natsAddress = TestNats.address();
        BROKERS = Map.of(
                "rabbit", new Broker("amqp", List.of("127.0.0.1:5672"), "guest", "guest", "/"),
                "events", new Broker("nats", List.of(natsAddress), "", "", "/"));
        file = Files.createTempFile("dtm4j-consumer", ".db");
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(10_000);
        db = new SQLiteDataSource(config);
        db.setUrl("jdbc:sqlite:" + file);
        BarrierSchema.create(db, "dtm_barrier.barrier");
        try (var c = db.getConnection();
                var s = c.createStatement()) {
            s.execute("create table balance(gid varchar(128) primary key, amount int not null)");
        }
        dtm = new TestServer(c -> c.withBrokers(BROKERS));
        rabbit = new ConnectionFactory().newConnection("dtm4j-consumer-test");
        channel = rabbit.createChannel();
        channel.queueDeclare(QUEUE, true, false, true, Map.of());
        nats = Nats.connect("nats://" + natsAddress);
        nats.jetStreamManagement()
                .addStream(StreamConfiguration.builder()
                        .name(STREAM)
                        .subjects(SUBJECT + ".>")
                        .storageType(StorageType.Memory)
                        .build());
    }

    @AfterAll
    static void stop() throws Exception {
        dtm.close();
        channel.queueDelete(QUEUE);
        rabbit.close();
        nats.jetStreamManagement().deleteStream(STREAM);
        nats.close();
        Files.deleteIfExists(file);
    }

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName() + "-" + RUN;
    }

    /** Credits the amount of the message's body to the transaction's row. */
    MessageHandler credit() {
        return (tx, body) -> {
            int amount = Integer.parseInt(new String(body, StandardCharsets.UTF_8).replaceAll("\\D", ""));
            try (var s = tx.prepareStatement("insert into balance(gid, amount) values (?, ?) "
                    + "on conflict(gid) do update set amount = amount + excluded.amount")) {
                s.setString(1, gid);
                s.setInt(2, amount);
                s.executeUpdate();
            }
        };
    }

    int balance() throws SQLException {
        try (var c = db.getConnection();
                var s = c.prepareStatement("select amount from balance where gid = ?")) {
            s.setString(1, gid);
            var r = s.executeQuery();
            return r.next() ? r.getInt(1) : 0;
        }
    }

    /** Publishes the branch again as a server recovering after a crash between publish and status write does. */
    void publishAgain(String url, String payload) {
        try (var invoker = new BrokerInvoker(BROKERS, null)) {
            var call = new BranchCall(
                    url,
                    "http",
                    gid,
                    "msg",
                    "01",
                    "action",
                    payload.getBytes(StandardCharsets.UTF_8),
                    true,
                    Map.of(),
                    Duration.ofSeconds(3),
                    () -> true);
            assertThat(invoker.call(call).isSuccess()).isTrue();
        }
    }

    @Test
    void aRabbitMessagePublishedTwiceIsAppliedOnce() throws Exception {
        String url = "amqp://rabbit?routing_key=" + QUEUE;
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                Trans.msg(gid).step(url, "{\"amount\":30}").body())
                        .status())
                .isEqualTo(200);
        await().until(() -> dtm.status(gid).equals("succeed"));
        publishAgain(url, "{\"amount\":30}");

        var consumer = new BarrierConsumer(db);
        List<Boolean> ran = new ArrayList<>();
        for (GetResponse m; (m = channel.basicGet(QUEUE, false)) != null; ) {
            ran.add(consumer.handle(AmqpMessages.headers(m.getProps()), m.getBody(), credit()));
            channel.basicAck(m.getEnvelope().getDeliveryTag(), false); // only once handled
        }

        assertThat(ran).containsExactly(true, false);
        assertThat(balance()).isEqualTo(30);
    }

    @Test
    void aNatsMessageDeliveredTwiceIsAppliedOnce() throws Exception {
        String subject = SUBJECT + "." + gid;
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                Trans.msg(gid)
                                        .step("nats://events/" + subject, "{\"amount\":25}")
                                        .body())
                        .status())
                .isEqualTo(200);
        await().until(() -> dtm.status(gid).equals("succeed"));

        var consumer = new BarrierConsumer(db);
        JetStreamSubscription sub = nats.jetStream()
                .subscribe(subject, PullSubscribeOptions.builder().build());
        List<Boolean> ran = new ArrayList<>();
        for (int delivery = 1; delivery <= 2; delivery++) {
            List<Message> got = sub.fetch(1, Duration.ofSeconds(5));
            assertThat(got).as("delivery " + delivery).hasSize(1);
            Message m = got.get(0);
            ran.add(consumer.handle(NatsMessages.headers(m), m.getData(), credit()));
            if (delivery == 1) {
                m.nak(); // as if the consumer died before its ack: JetStream delivers it again
            } else {
                m.ack();
            }
        }
        sub.unsubscribe();

        assertThat(ran).containsExactly(true, false);
        assertThat(balance()).isEqualTo(25);
    }

    @Test
    void aKafkaRecordSeenTwiceIsAppliedOnceAndAFailedHandlerLeavesNoTrace() throws Exception {
        var record = new ConsumerRecord<String, byte[]>(
                "transfers", 0, 7, gid, "{\"amount\":12}".getBytes(StandardCharsets.UTF_8));
        Map.of(
                        "dtm-gid",
                        gid,
                        "dtm-branch-id",
                        "01",
                        "dtm-trans-type",
                        "msg",
                        "dtm-op",
                        "action",
                        "dtm-msg-id",
                        gid + "/01/action")
                .forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        var consumer = new BarrierConsumer(db);
        Map<String, String> headers = KafkaMessages.headers(record);

        assertThatThrownBy(() -> consumer.handle(headers, record.value(), (tx, body) -> {
                    credit().handle(tx, body);
                    throw new IllegalStateException("crashed mid-way");
                }))
                .hasMessage("crashed mid-way");
        assertThat(balance()).isZero();

        assertThat(consumer.handle(headers, record.value(), credit())).isTrue();
        assertThat(consumer.handle(headers, record.value(), credit())).isFalse();
        assertThat(balance()).isEqualTo(12);
        assertThat(BrokerMessages.dedupKey(headers)).isEqualTo(gid + "/01/action");
    }

    @Test
    void aMessageWithoutBranchHeadersIsRefusedNamingTheHeader() {
        assertThatThrownBy(() -> new BarrierConsumer(db)
                        .handle(
                                Map.of("dtm-gid", gid, "dtm-trans-type", "msg", "dtm-op", "action"),
                                new byte[0],
                                credit()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no dtm-branch-id header");
    }
}
