package io.dtm4j.server.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.testing.KafkaProcess;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Broker branches on Kafka: a single-node KRaft broker this test runs from the kafka_2.13 artifact
 * ({@link KafkaProcess}), killed and restarted for a broker stopped mid-run (docs/brokers.md).
 */
class KafkaBranchTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final String TOPIC = "transfers";

    static KafkaProcess kafka;
    static TestServer dtm;

    String gid;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(KafkaProcess.available(), "kafka_2.13 is not on the test class path");
        kafka = new KafkaProcess();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.address()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
        dtm = new TestServer(c ->
                c.withBrokers(Map.of("log", new Broker("kafka", List.of(kafka.address()), "", "", "/"))));
    }

    @AfterAll
    static void stop() {
        if (dtm != null) {
            dtm.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    TestServer.Response submit(Trans t) {
        return dtm.post("/api/dtmsvr/submit", t.body());
    }

    JsonNode attempts() {
        return dtm.parse(dtm.get("/api/dtm4j/attempts?gid=" + gid).body()).path("attempts");
    }

    /** Every record of the topic whose dtm-gid header is {@code gid}. */
    static List<ConsumerRecord<String, byte[]>> records(String gid) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.address());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            var partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + TOPIC + " up to offset " + end + " in 30 s");
                }
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (gid.equals(header(r, "dtm-gid"))) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void eachMsgStepIsAcknowledgedByAllReplicasWithItsHeadersAndKey() {
        var t = Trans.msg(gid)
                .step("kafka://log/" + TOPIC, PAYLOAD)
                .step("kafka://log/" + TOPIC + "?key=account-2", "{\"amount\":40}");

        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("succeed"));
        var got = records(gid);
        assertThat(got).extracting(ConsumerRecord::key).containsExactly(gid, "account-2");
        assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo(PAYLOAD);
        Map<String, String> headers = new HashMap<>();
        got.get(1).headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
        assertThat(headers)
                .containsEntry("dtm-gid", gid)
                .containsEntry("dtm-branch-id", "02")
                .containsEntry("dtm-trans-type", "msg")
                .containsEntry("dtm-op", "action")
                .containsEntry("dtm-msg-id", gid + "/02/action");
    }

    @Test
    void aBrokerStoppedMidRunIsRetriedAndTheBranchCompletesOnceItIsBack() {
        var first = Trans.msg(gid + "-first").step("kafka://log/" + TOPIC, PAYLOAD);
        assertThat(submit(first).body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid + "-first").equals("succeed"));

        kafka.stop();
        try {
            assertThat(submit(Trans.msg(gid).step("kafka://log/" + TOPIC, PAYLOAD))
                            .body())
                    .isEqualTo(SUCCESS);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> attempts().path("01 action").size() > 0);
            assertThat(dtm.status(gid)).isEqualTo("submitted");
        } finally {
            kafka.start();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            dtm.clock.advance(Duration.ofSeconds(dtm.nextCronInterval(gid) + 1));
            dtm.cron();
            return dtm.status(gid).equals("succeed");
        });

        // the producer may also deliver the batch of the failed attempt once the broker is back: every
        // copy carries the same dedup key for the consumer
        assertThat(records(gid))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(header(r, "dtm-msg-id")).isEqualTo(gid + "/01/action"));
    }
}
