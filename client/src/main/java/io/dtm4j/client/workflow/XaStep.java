package io.dtm4j.client.workflow;

import java.sql.Connection;

/** The database work of a workflow's XA step ({@link Workflow#doXa}), run inside its XA transaction. */
@FunctionalInterface
public interface XaStep {
    /**
     * Does the work on {@code xa} and returns the step's result; must not commit, roll back, change
     * auto-commit or close the connection. Throwing {@link io.dtm4j.client.DtmFailureException}
     * fails the step; any other exception leaves it unfinished, to run again on resume.
     */
    byte[] run(Connection xa) throws Exception;
}
