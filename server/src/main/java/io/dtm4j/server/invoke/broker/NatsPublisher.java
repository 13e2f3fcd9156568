package io.dtm4j.server.invoke.broker;

import io.dtm4j.server.config.ServerConfig.Broker;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Publishes to NATS JetStream and waits for the stream's acknowledgement. The dedup key goes in
 * {@code Nats-Msg-Id}, so within the stream's duplicate window a repeated publish is acknowledged
 * as a duplicate and stored once. Once connected, the client reconnects by itself; a publish made
 * while it is disconnected times out and is retried.
 */
final class NatsPublisher implements Publisher {
    private final String name;
    private final Broker broker;
    private final ReentrantLock connecting = new ReentrantLock();
    private volatile Connection connection;
    private volatile JetStream jetStream;

    NatsPublisher(String name, Broker broker) {
        this.name = name;
        this.broker = broker;
    }

    @Override
    public String publish(BrokerUrl to, BrokerMessage message, Duration timeout, BooleanSupplier maySend)
            throws Exception {
        JetStream js = jetStream(timeout);
        Publisher.check(maySend);
        Headers headers = new Headers();
        message.headers().forEach(headers::put);
        PublishOptions options = PublishOptions.builder()
                .messageId(message.dedupKey())
                .streamTimeout(timeout)
                .build();
        PublishAck ack = js.publish(to.destination(), headers, message.body(), options);
        return ack.isDuplicate()
                ? "duplicate: stream " + ack.getStream() + " already holds it (seq " + ack.getSeqno() + ")"
                : "";
    }

    private JetStream jetStream(Duration timeout) throws Exception {
        JetStream js = jetStream;
        if (js != null && connection.getStatus() != Connection.Status.CLOSED) {
            return js;
        }
        connecting.lock();
        try {
            if (jetStream != null && connection.getStatus() != Connection.Status.CLOSED) {
                return jetStream;
            }
            Options.Builder options = new Options.Builder()
                    .servers(broker.addresses().stream().map(a -> "nats://" + a).toArray(String[]::new))
                    .connectionName("dtm4j-" + name)
                    .connectionTimeout(timeout.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : timeout)
                    .maxReconnects(-1)
                    .reconnectWait(Duration.ofMillis(500))
                    .errorListener(new io.nats.client.ErrorListener() {}); // its default logs to stdout
            if (!broker.user().isEmpty()) {
                options.userInfo(broker.user(), broker.password());
            }
            Connection c = Nats.connect(options.build());
            connection = c;
            jetStream = c.jetStream();
            return jetStream;
        } finally {
            connecting.unlock();
        }
    }

    @Override
    public void close() {
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
