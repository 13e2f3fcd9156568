package io.dtm4j.client.broker;

import java.sql.Connection;

/** What a consumer does with one message, inside the barrier's local transaction. */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Applies the message's effect on {@code tx}; must not commit, roll back or close it. Throwing
     * rolls the whole local transaction back, barrier row included, so a redelivery runs it again.
     */
    void handle(Connection tx, byte[] body) throws Exception;
}
