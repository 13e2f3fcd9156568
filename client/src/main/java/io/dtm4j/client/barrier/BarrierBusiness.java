package io.dtm4j.client.barrier;

import java.sql.Connection;

/** Business work that runs inside the barrier's local transaction. */
@FunctionalInterface
public interface BarrierBusiness {
    /**
     * Does the work on {@code tx}; must not commit, roll back or close it. Throwing rolls the whole
     * local transaction back, barrier row included.
     */
    void run(Connection tx) throws Exception;
}
