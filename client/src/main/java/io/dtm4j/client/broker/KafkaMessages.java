package io.dtm4j.client.broker;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** Reads the headers of a Kafka record for {@link BarrierConsumer} (needs {@code org.apache.kafka:kafka-clients}). */
public final class KafkaMessages {
    private KafkaMessages() {}

    /** The last value of each header of {@code record}, as UTF-8 text. */
    public static Map<String, String> headers(ConsumerRecord<?, ?> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }
}
