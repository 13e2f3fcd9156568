package io.dtm4j.client.broker;

import io.nats.client.Message;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads the headers of a NATS message for {@link BarrierConsumer} (needs {@code io.nats:jnats}). */
public final class NatsMessages {
    private NatsMessages() {}

    /** The first value of each header of {@code message}; empty when it has none. */
    public static Map<String, String> headers(Message message) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (message.hasHeaders()) {
            for (String name : message.getHeaders().keySet()) {
                headers.put(name, message.getHeaders().getFirst(name));
            }
        }
        return headers;
    }
}
