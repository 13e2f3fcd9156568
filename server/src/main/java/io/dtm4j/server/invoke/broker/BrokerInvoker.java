package io.dtm4j.server.invoke.broker;

import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.Invoker;
import io.dtm4j.server.invoke.Outcome;
import io.dtm4j.server.metrics.Metrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs broker branches (docs/brokers.md): publishes the step to the broker its URL names and
 * succeeds once the broker confirms it durably. Anything else (the broker is down, refuses or does
 * not route the message, the confirmation times out) is a transient error, retried with backoff
 * like an HTTP 500; a publish never answers FAILURE or ONGOING. One publisher per broker, made on
 * first use, keeps its connection open for every call.
 */
public final class BrokerInvoker implements Invoker {
    private static final Logger log = LoggerFactory.getLogger(BrokerInvoker.class);

    private final Map<String, Broker> brokers;
    private final Metrics metrics;
    private final Map<String, Publisher> publishers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public BrokerInvoker(Map<String, Broker> brokers, Metrics metrics) {
        this.brokers = Map.copyOf(brokers);
        this.metrics = metrics;
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success("");
        }
        BrokerUrl to;
        try {
            to = BrokerUrl.parse(call.url(), brokers);
        } catch (IllegalArgumentException e) {
            // refused at submit; still possible for a row stored before the broker left the settings
            return Outcome.error("cannot publish to '" + call.url() + "': " + e.getMessage());
        }
        long start = System.nanoTime();
        String outcome = "error";
        try {
            String note = publisher(to.broker()).publish(to, BrokerMessage.of(call), call.timeout(), call.maySend());
            outcome = note.isEmpty() ? "confirmed" : "duplicate";
            return Outcome.success(note);
        } catch (Publisher.NotSent e) {
            return Outcome.error("not published to " + call.url() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error("interrupted while publishing to " + call.url());
        } catch (Exception e) {
            log.debug("publish to {} failed", call.url(), e);
            return Outcome.error("publish to " + call.url() + " failed: " + describe(e));
        } finally {
            if (metrics != null) {
                metrics.brokerPublish(to.broker(), to.kind(), outcome, (System.nanoTime() - start) / 1e9);
            }
        }
    }

    private Publisher publisher(String name) {
        if (closed) {
            throw new IllegalStateException("the server is closing");
        }
        return publishers.computeIfAbsent(name, n -> open(n, brokers.get(n)));
    }

    private static Publisher open(String name, Broker broker) {
        return switch (broker.kind()) {
            case "amqp" -> new AmqpPublisher(name, broker);
            case "nats" -> new NatsPublisher(name, broker);
            default -> new KafkaPublisher(name, broker);
        };
    }

    /** The exception's class and message, and its cause's when the message alone says little. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null && text.length() < 300; t = t.getCause()) {
            if (!text.isEmpty()) {
                text.append(" <- ");
            }
            text.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return text.toString();
    }

    @Override
    public void close() {
        closed = true;
        publishers.values().forEach(Publisher::close);
        publishers.clear();
    }
}
