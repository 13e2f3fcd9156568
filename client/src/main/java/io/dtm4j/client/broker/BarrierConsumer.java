package io.dtm4j.client.broker;

import io.dtm4j.client.barrier.BranchBarrier;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Applies each message of a broker branch once, even when the broker delivers it twice or the server
 * published it twice (after a crash between the publish and the status write): the handler runs
 * inside the sub-transaction barrier keyed by the message's {@code dtm-*} headers, in one local
 * transaction with the barrier row (docs/brokers.md#consumers).
 *
 * <p>Independent of any broker client: pass the headers as a map, e.g. from {@link AmqpMessages},
 * {@link NatsMessages} or {@link KafkaMessages}. Acknowledge the message to the broker only after
 * {@link #handle} returns, whatever it returns; if it throws, do not acknowledge (or requeue), and the
 * redelivery is handled like the first delivery.
 *
 * <p>A saga's compensation published to the same consumer is handled by the same barrier: a
 * compensation that arrives before its action marks the action as done (it will be skipped), and
 * the compensation's own handler does not run.
 */
public final class BarrierConsumer {
    private final DataSource db;
    private final String table;

    /**
     * A consumer recording its barrier rows in {@value BranchBarrier#DEFAULT_TABLE} of {@code db}, the
     * database the handler writes to.
     */
    public BarrierConsumer(DataSource db) {
        this(db, BranchBarrier.DEFAULT_TABLE);
    }

    /** A consumer recording its barrier rows in {@code table} (see {@link BranchBarrier#withTable}). */
    public BarrierConsumer(DataSource db, String table) {
        this.db = Objects.requireNonNull(db, "db");
        this.table = table;
    }

    /**
     * Runs {@code handler} for the message unless an earlier delivery of the same branch operation
     * already committed it.
     *
     * @return true when the handler ran and committed; false for a duplicate (or a message a barrier
     *     skips, such as an action after its compensation)
     * @throws IllegalArgumentException when a {@code dtm-*} header is missing
     * @throws io.dtm4j.client.DtmException wrapping a database error or a checked exception of the
     *     handler; a {@link RuntimeException} of the handler is rethrown as it is
     */
    public boolean handle(Map<String, String> headers, byte[] body, MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        BranchBarrier barrier =
                BranchBarrier.of(BrokerMessages.branchOf(headers)).withTable(table);
        boolean[] ran = {false};
        barrier.callWithDb(db, tx -> {
            handler.handle(tx, body);
            ran[0] = true;
        });
        return ran[0];
    }
}
