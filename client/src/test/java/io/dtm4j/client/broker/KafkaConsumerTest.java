package io.dtm4j.client.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.client.barrier.BarrierSchema;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.broker.BrokerInvoker;
import io.dtm4j.server.testing.KafkaProcess;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A Kafka consumer group reading what a real server published, twice (the branch published again,
 * as after a crash between publish and status write), to a single-node KRaft broker: the barrier
 * applies the record once (docs/brokers.md#consumers).
 */
class KafkaConsumerTest {
    static final String TOPIC = "transfers";

    static KafkaProcess kafka;
    static TestServer dtm;
    static Path file;
    static SQLiteDataSource db;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(KafkaProcess.available(), "kafka_2.13 is not on the test class path");
        kafka = new KafkaProcess();
        dtm = new TestServer(c -> c.withBrokers(brokers()));
        file = Files.createTempFile("dtm4j-kafka-consumer", ".db");
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(10_000);
        db = new SQLiteDataSource(config);
        db.setUrl("jdbc:sqlite:" + file);
        BarrierSchema.create(db, "dtm_barrier.barrier");
        try (var c = db.getConnection();
                var s = c.createStatement()) {
            s.execute("create table balance(id int primary key, amount int not null)");
            s.execute("insert into balance values (2, 0)");
        }
    }

    static Map<String, Broker> brokers() {
        return Map.of("log", new Broker("kafka", List.of(kafka.address()), "", "", "/"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (dtm != null) {
            dtm.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aRecordPublishedTwiceIsAppliedOnce() throws Exception {
        String gid = "kafkaTwice";
        String url = "kafka://log/" + TOPIC;
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                Trans.msg(gid).step(url, "{\"amount\":30}").body())
                        .status())
                .isEqualTo(200);
        await().until(() -> dtm.status(gid).equals("succeed"));
        try (var invoker = new BrokerInvoker(brokers(), null)) {
            var call = new BranchCall(
                    url,
                    "http",
                    gid,
                    "msg",
                    "01",
                    "action",
                    "{\"amount\":30}".getBytes(StandardCharsets.UTF_8),
                    true,
                    Map.of(),
                    Duration.ofSeconds(10),
                    () -> true);
            assertThat(invoker.call(call).isSuccess()).isTrue();
        }

        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.address());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bank-2");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        var consumer = new BarrierConsumer(db);
        List<Boolean> ran = new ArrayList<>();
        try (var kafkaConsumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            kafkaConsumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (ran.size() < 2 && System.nanoTime() < deadline) {
                for (var r : kafkaConsumer.poll(Duration.ofMillis(500))) {
                    ran.add(consumer.handle(KafkaMessages.headers(r), r.value(), (tx, body) -> {
                        try (var s = tx.prepareStatement("update balance set amount = amount + 30 where id = 2")) {
                            s.executeUpdate();
                        }
                    }));
                }
                kafkaConsumer.commitSync();
            }
        }

        assertThat(ran).containsExactly(true, false);
        try (var c = db.getConnection();
                var r = c.createStatement().executeQuery("select amount from balance where id = 2")) {
            r.next();
            assertThat(r.getInt(1)).isEqualTo(30);
        }
    }
}
