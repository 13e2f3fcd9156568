package io.dtm4j.faults.bank;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.client.xa.XaLocalTransaction;
import java.sql.Connection;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The bank's business, independent of the transport: HTTP ({@link HttpBank}) and gRPC ({@link
 * GrpcBank}) hand every call to {@link #serve} with its endpoint, its branch parameters (HTTP query,
 * or the gRPC {@code dtm-*} metadata under the same names) and its body, then ask {@link #chaos}
 * whether to spoil the answer. Endpoints: the names of {@link BankOperations#PLAIN}, {@code xa/}
 * plus the names of {@link BankOperations#XA}, and {@link BankOps#QUERY_PREPARED}.
 */
final class Bank {
    static final String XA_PREFIX = "xa/";

    private final DataSource db;
    private final boolean unsafeBarrier;
    private final CallLog log;
    private final Chaos chaos;
    private final XaLocalTransaction xa;

    /**
     * @param unsafeBarrier run plain and TCC operations without the barrier: deliberately broken,
     *     so that the checker can show it catches operations applied twice
     */
    Bank(DataSource db, boolean unsafeBarrier, CallLog log, Chaos chaos) {
        this.db = db;
        this.unsafeBarrier = unsafeBarrier;
        this.log = log;
        this.chaos = chaos;
        this.xa = XaLocalTransaction.of(db);
    }

    Chaos chaosControl() {
        return chaos;
    }

    /** Whether {@code endpoint} is served. */
    static boolean knows(String endpoint) {
        return endpoint.equals(BankOps.QUERY_PREPARED)
                || BankOperations.PLAIN.containsKey(endpoint)
                || (endpoint.startsWith(XA_PREFIX)
                        && BankOperations.XA.containsKey(endpoint.substring(XA_PREFIX.length())));
    }

    /**
     * Logs the call and does its work; returns normally for SUCCESS and throws as {@code
     * HttpResults} / {@code GrpcResults} expect otherwise.
     */
    void serve(String endpoint, Map<String, String> params, byte[] body) throws Exception {
        log.call(params, endpoint);
        if (endpoint.equals(BankOps.QUERY_PREPARED)) {
            String gid = params.getOrDefault("gid", "");
            if (gid.isEmpty()) {
                throw new IllegalArgumentException("QueryPrepared needs the gid");
            }
            BranchBarrier.queryPrepared(db, gid);
        } else if (endpoint.startsWith(XA_PREFIX)) {
            BankOperations.Move move = BankOperations.XA.get(endpoint.substring(XA_PREFIX.length()));
            // phase two (commit, rollback) carries no payload and never runs the business
            xa.handle(params, tx -> apply(move, tx, BranchIdentity.fromQuery(params), BranchPayload.parse(body)));
        } else {
            BankOperations.Move move = BankOperations.PLAIN.get(endpoint);
            BranchIdentity branch = BranchIdentity.fromQuery(params);
            BranchPayload payload = BranchPayload.parse(body);
            if (unsafeBarrier) {
                inTransaction(tx -> apply(move, tx, branch, payload));
            } else {
                BranchBarrier.of(branch).callWithDb(db, tx -> apply(move, tx, branch, payload));
            }
        }
    }

    /** Draws a fault for the call that has just done its work, and logs it. */
    Optional<Chaos.Injection> chaos(String endpoint, Map<String, String> params) {
        Optional<Chaos.Injection> injection = chaos.draw();
        injection.ifPresent(i -> log.inject(params, endpoint, i.kind()));
        return injection;
    }

    private static void apply(BankOperations.Move move, Connection tx, BranchIdentity branch, BranchPayload payload)
            throws Exception {
        move.apply(tx, branch.gid(), branch.branchId(), branch.op(), payload);
    }

    @FunctionalInterface
    private interface Work {
        void run(Connection tx) throws Exception;
    }

    private void inTransaction(Work work) throws Exception {
        try (Connection tx = db.getConnection()) {
            tx.setAutoCommit(false);
            try {
                work.run(tx);
                tx.commit();
            } catch (Exception e) {
                tx.rollback();
                throw e;
            }
        }
    }
}
