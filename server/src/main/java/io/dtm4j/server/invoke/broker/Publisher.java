package io.dtm4j.server.invoke.broker;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Publishes to one configured broker over a connection it keeps open and shares between calls. */
interface Publisher extends AutoCloseable {

    /**
     * Returns once the broker has durably accepted the message, or throws.
     *
     * @param maySend asked once the connection is ready, right before the message is sent: false
     *     once the round's claim may have passed to another round ({@link NotSent} is then thrown)
     * @return a note for the logs, e.g. that JetStream dropped it as a duplicate; empty otherwise
     * @throws Exception when the broker is unreachable, refuses the message or does not confirm it in time
     */
    String publish(BrokerUrl to, BrokerMessage message, Duration timeout, BooleanSupplier maySend) throws Exception;

    /** Nothing was sent: the round's lease ended while the publisher waited for its connection. */
    final class NotSent extends Exception {
        NotSent() {
            super("the round's lease ended while it waited for the broker's connection", null, false, false);
        }
    }

    /** Throws {@link NotSent} unless {@code maySend} agrees. */
    static void check(BooleanSupplier maySend) throws NotSent {
        if (!maySend.getAsBoolean()) {
            throw new NotSent();
        }
    }

    @Override
    void close();
}
