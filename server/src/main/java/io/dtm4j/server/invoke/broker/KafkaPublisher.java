package io.dtm4j.server.invoke.broker;

import io.dtm4j.server.config.ServerConfig.Broker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes to Kafka with one idempotent producer per broker ({@code acks=all}): a send succeeds once
 * every in-sync replica has the record. The record key is the URL's {@code key}, or the gid; the
 * dedup key travels in the {@code dtm-msg-id} header for consumers, since Kafka itself only drops
 * the producer's own retries.
 */
final class KafkaPublisher implements Publisher {
    private final KafkaProducer<String, byte[]> producer;

    KafkaPublisher(String name, Broker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", broker.addresses()));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "dtm4j-" + name);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000); // waiting for metadata of an unreachable cluster
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"); // the server jar carries no codec (server/pom.xml)
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        if (!broker.user().isEmpty()) {
            p.put("security.protocol", "SASL_PLAINTEXT");
            p.put("sasl.mechanism", "PLAIN");
            p.put(
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + jaas(broker.user())
                            + "\" password=\"" + jaas(broker.password()) + "\";");
        }
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static String jaas(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public String publish(BrokerUrl to, BrokerMessage message, Duration timeout, BooleanSupplier maySend)
            throws Exception {
        Publisher.check(maySend); // the producer connects in the background: nothing to wait for here
        var record =
                new ProducerRecord<>(to.destination(), to.key().isEmpty() ? message.gid() : to.key(), message.body());
        message.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(record).get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("no acknowledgement within " + timeout.toMillis() + " ms");
        }
        return "";
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
