package io.dtm4j.server.invoke.broker;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.dtm4j.server.config.ServerConfig.Broker;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Publishes to RabbitMQ: persistent messages, mandatory routing and publisher confirms. One
 * connection per broker, and a pool of confirm-mode channels on it, each used by one publish at a
 * time so that its confirm and any return belong to that publish. A message the broker returns
 * (no queue bound for it) or nacks is an error, as is a broken connection; the next call opens a
 * new one.
 */
final class AmqpPublisher implements Publisher {
    private static final int MAX_IDLE_CHANNELS = 64;

    private final String name;
    private final Broker broker;
    private final ReentrantLock connecting = new ReentrantLock(); // a virtual thread may wait here
    private final ConcurrentLinkedDeque<Pooled> idle = new ConcurrentLinkedDeque<>();
    private volatile Connection connection;

    /** A confirm-mode channel and what its return listener saw for the publish in progress. */
    private static final class Pooled {
        final Channel channel;
        volatile String returned;

        Pooled(Channel channel) {
            this.channel = channel;
        }
    }

    AmqpPublisher(String name, Broker broker) {
        this.name = name;
        this.broker = broker;
    }

    @Override
    public String publish(BrokerUrl to, BrokerMessage message, Duration timeout, BooleanSupplier maySend)
            throws Exception {
        Pooled p = take(timeout);
        boolean reusable = false;
        try {
            if (!maySend.getAsBoolean()) {
                reusable = true;
                throw new NotSent();
            }
            p.returned = null;
            Map<String, Object> headers = new HashMap<>(message.headers());
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                    .messageId(message.dedupKey())
                    .deliveryMode(2) // persistent: a durable queue keeps it across broker restarts
                    .contentType("application/json")
                    .appId("dtm4j")
                    .timestamp(new Date())
                    .headers(headers)
                    .build();
            p.channel.basicPublish(to.destination(), to.key(), true, props, message.body());
            boolean acked;
            try {
                acked = p.channel.waitForConfirms(Math.max(1, timeout.toMillis()));
            } catch (TimeoutException e) {
                throw new TimeoutException(
                        "broker '" + name + "' did not confirm within " + timeout.toMillis() + " ms");
            }
            if (!acked) {
                throw new IOException("broker '" + name + "' refused the message (nack)");
            }
            if (p.returned != null) {
                // the return comes before the confirm: the broker accepted it but no queue took it
                reusable = true;
                throw new IOException("broker '" + name + "' could not route the message: " + p.returned);
            }
            reusable = true;
            return "";
        } finally {
            if (reusable && p.channel.isOpen() && idle.size() < MAX_IDLE_CHANNELS) {
                idle.push(p);
            } else {
                closeQuietly(p.channel);
            }
        }
    }

    private Pooled take(Duration timeout) throws IOException, TimeoutException {
        Connection c = connection(timeout);
        for (Pooled p; (p = idle.poll()) != null; ) {
            if (p.channel.isOpen() && p.channel.getConnection() == c) {
                return p;
            }
            closeQuietly(p.channel);
        }
        Channel channel = c.createChannel();
        if (channel == null) {
            throw new IOException("broker '" + name + "' has no channel left on its connection");
        }
        channel.confirmSelect();
        Pooled p = new Pooled(channel);
        channel.addReturnListener(r -> p.returned = r.getReplyCode() + " " + r.getReplyText() + " (exchange '"
                + r.getExchange() + "', routing key '" + r.getRoutingKey() + "')");
        return p;
    }

    private Connection connection(Duration timeout) throws IOException, TimeoutException {
        Connection c = connection;
        if (c != null && c.isOpen()) {
            return c;
        }
        connecting.lock();
        try {
            c = connection;
            if (c != null && c.isOpen()) {
                return c;
            }
            if (c != null) {
                c.abort(1000);
            }
            ConnectionFactory factory = new ConnectionFactory();
            factory.setVirtualHost(broker.virtualHost());
            if (!broker.user().isEmpty()) {
                factory.setUsername(broker.user());
                factory.setPassword(broker.password());
            }
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1000, timeout.toMillis()));
            factory.setConnectionTimeout(millis);
            factory.setHandshakeTimeout(millis);
            factory.setRequestedHeartbeat(15);
            factory.setAutomaticRecoveryEnabled(false); // the next publish reconnects; nothing to replay
            factory.setTopologyRecoveryEnabled(false);
            Address[] addresses =
                    broker.addresses().stream().map(Address::parseAddress).toArray(Address[]::new);
            c = factory.newConnection(addresses, "dtm4j-" + name);
            connection = c;
            return c;
        } finally {
            connecting.unlock();
        }
    }

    private static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.abort();
            }
        } catch (IOException | RuntimeException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        Connection c = connection;
        if (c != null) {
            c.abort(2000);
        }
        idle.clear();
    }
}
