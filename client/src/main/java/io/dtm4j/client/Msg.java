package io.dtm4j.client;

import io.dtm4j.client.barrier.BarrierBusiness;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * A two-phase message: steps the server calls until each succeeds, committed together with a local
 * transaction of the application. Either {@link #prepare}, commit the local transaction, then
 * {@link #submit()} (the server checks back with {@code queryPrepared} if the application dies in
 * between), or let {@code doAndSubmit} do all of it with the barrier.
 */
public final class Msg extends GlobalTransaction<Msg> {
    private long delaySeconds;

    Msg(DtmClient dtm, String gid) {
        super(dtm, gid, TransType.MSG);
    }

    /**
     * Adds a step: the server POSTs {@code payload} to {@code action} after the message is submitted.
     *
     * @param payload a JSON String or byte[] sent as it is, or an object written as JSON
     */
    public Msg add(String action, Object payload) {
        steps.add(Map.of("action", action));
        payloads.add(dtm.encode(payload));
        return this;
    }

    /** Adds a step for every subscriber of {@code topic} (see the server's subscribe route). */
    public Msg addTopic(String topic, Object payload) {
        return add("topic://" + topic, payload);
    }

    /** Calls the steps concurrently rather than one after another. */
    public Msg enableConcurrent() {
        concurrent = true;
        return this;
    }

    /** Makes the server wait {@code seconds} after submit before calling the steps. */
    public Msg delay(long seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("delay must not be negative: " + seconds);
        }
        delaySeconds = seconds;
        return this;
    }

    /**
     * Records the message as prepared. If it is neither submitted nor aborted before it times out,
     * the server GETs {@code queryPrepared} to learn whether the local transaction committed.
     */
    public void prepare(String queryPrepared) {
        this.queryPrepared = queryPrepared == null ? "" : queryPrepared;
        dtm.send("prepare", this);
    }

    /** Submits the message: the server will call every step until it succeeds. */
    public void submit() {
        if (delaySeconds > 0) {
            customData = Json.write(Map.of("delay", delaySeconds));
        }
        dtm.send("submit", this);
    }

    /** Abandons a prepared message: its steps are never called. */
    public void abort() {
        dtm.send("abort", this);
    }

    /** The application's local transaction, run with the message's barrier. */
    @FunctionalInterface
    public interface LocalTransaction {
        /**
         * Does the local work through {@code barrier} (e.g. {@link BranchBarrier#callWithDb}); throw
         * {@link DtmFailureException} to abandon the message.
         */
        void run(BranchBarrier barrier) throws Exception;
    }

    /**
     * Prepares the message, runs the local transaction in {@code db} guarded by the message's barrier,
     * and submits or aborts: see {@link #doAndSubmit}. The check-back handler at {@code
     * queryPrepared} should answer with {@link BranchBarrier#queryPrepared} on the same database.
     * The barrier rows go to {@value BranchBarrier#DEFAULT_TABLE}; for another table use {@code
     * doAndSubmit(queryPrepared, barrier -> barrier.withTable(table).callWithDb(db, business))}.
     */
    public void doAndSubmitDb(String queryPrepared, DataSource db, BarrierBusiness business) {
        Objects.requireNonNull(db, "db");
        Objects.requireNonNull(business, "business");
        doAndSubmit(queryPrepared, barrier -> barrier.callWithDb(db, business));
    }

    /**
     * Commits the message together with a local transaction, so that both happen or neither does:
     *
     * <ol>
     *   <li>prepares the message with the check-back URL {@code queryPrepared};
     *   <li>runs {@code busiCall} with the barrier (msg, gid, 00, msg), whose local transaction writes
     *       the barrier row that the check-back looks for;
     *   <li>if {@code busiCall} threw something other than {@link DtmFailureException} (a commit whose
     *       outcome is unknown, say), GETs {@code queryPrepared} itself to learn whether the local
     *       transaction committed;
     *   <li>aborts the message when {@code busiCall} or the check-back said FAILURE, submits it when
     *       {@code busiCall} succeeded or the check-back said SUCCESS, and otherwise (ONGOING or an
     *       error from the check-back) leaves it prepared for the server's own check-back.
     * </ol>
     *
     * @throws DtmException from prepare, before {@code busiCall} ran; else the exception of {@code
     *     busiCall} (checked ones wrapped in DtmException), even when the check-back then submitted
     *     the message — a {@link DtmDuplicatedException} means the server's check-back came first
     *     and the message is rolled back; else the exception of submit
     */
    public void doAndSubmit(String queryPrepared, LocalTransaction busiCall) {
        Objects.requireNonNull(queryPrepared, "queryPrepared");
        Objects.requireNonNull(busiCall, "busiCall");
        BranchIdentity identity = new BranchIdentity(TransType.MSG.wire(), gid, Ops.RESERVED_BRANCH_ID, Ops.MSG);
        BranchBarrier barrier = BranchBarrier.of(identity);
        prepare(queryPrepared);
        RuntimeException busiError = null;
        try {
            busiCall.run(barrier);
        } catch (RuntimeException e) {
            busiError = e;
        } catch (Exception e) {
            busiError = new DtmException("local transaction of msg " + gid + ": " + e, e);
        }
        Decision decision = busiError == null ? Decision.SUBMIT : decide(busiError, queryPrepared, identity);
        try {
            switch (decision) {
                case SUBMIT -> submit();
                case ABORT -> abort();
                case LEAVE_PREPARED -> {}
            }
        } catch (RuntimeException e) {
            if (busiError == null) {
                throw e;
            }
            busiError.addSuppressed(e);
        }
        if (busiError != null) {
            throw busiError;
        }
    }

    private enum Decision {
        SUBMIT,
        ABORT,
        LEAVE_PREPARED
    }

    /** What to do after the local transaction threw: FAILURE aborts, anything else asks the check-back. */
    private Decision decide(RuntimeException busiError, String queryPrepared, BranchIdentity identity) {
        if (busiError instanceof DtmFailureException) {
            return Decision.ABORT;
        }
        try {
            dtm.checkBack(queryPrepared, identity);
            return Decision.SUBMIT;
        } catch (DtmFailureException e) {
            return Decision.ABORT;
        } catch (RuntimeException e) {
            // ONGOING or unreachable: the server's own check-back decides once the message times out
            busiError.addSuppressed(e);
            return Decision.LEAVE_PREPARED;
        }
    }
}
