package io.dtm4j.client.xa;

import java.sql.Connection;

/** The work of an XA branch, run inside its XA transaction. */
@FunctionalInterface
public interface XaBusiness {
    /**
     * Does the work on {@code xa}; must not commit, roll back, change auto-commit or close it.
     * Throwing rolls the branch back: a {@link io.dtm4j.client.DtmFailureException} makes the branch
     * answer FAILURE, so the application aborts the global transaction.
     */
    void run(Connection xa) throws Exception;
}
