package io.dtm4j.client.broker;

import com.rabbitmq.client.AMQP;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the headers of a RabbitMQ delivery for {@link BarrierConsumer} (needs {@code com.rabbitmq:amqp-client}). */
public final class AmqpMessages {
    private AmqpMessages() {}

    /** The message's headers table as strings, plus {@code message-id} as {@value BrokerMessages#MSG_ID} if absent. */
    public static Map<String, String> headers(AMQP.BasicProperties properties) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (properties.getHeaders() != null) {
            properties.getHeaders().forEach((k, v) -> headers.put(k, v == null ? "" : v.toString()));
        }
        if (properties.getMessageId() != null) {
            headers.putIfAbsent(BrokerMessages.MSG_ID, properties.getMessageId());
        }
        return headers;
    }
}
