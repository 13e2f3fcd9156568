package io.dtm4j.server.invoke.broker;

import java.time.Duration;

/** Publishes to one configured broker over a connection it keeps open and shares between calls. */
interface Publisher extends AutoCloseable {

    /**
     * Returns once the broker has durably accepted the message, or throws.
     *
     * @return a note for the logs, e.g. that JetStream dropped it as a duplicate; empty otherwise
     * @throws Exception when the broker is unreachable, refuses the message or does not confirm it in time
     */
    String publish(BrokerUrl to, BrokerMessage message, Duration timeout) throws Exception;

    @Override
    void close();
}
