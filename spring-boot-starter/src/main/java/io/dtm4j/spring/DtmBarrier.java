package io.dtm4j.spring;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.Msg;
import io.dtm4j.client.barrier.BarrierBusiness;
import io.dtm4j.client.barrier.BranchBarrier;
import java.sql.Connection;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The sub-transaction barrier inside Spring's transaction management: the barrier rows of a branch
 * operation are written on the connection Spring bound to the current transaction of the
 * application's {@link DataSource}, so they commit or roll back with the business work done in the
 * same transaction, whether through the {@link Connection} handed to the business, a {@code
 * JdbcTemplate}, or JPA on the same DataSource.
 *
 * <pre>{@code
 * @PostMapping("/TransOut")
 * @Transactional
 * public void transOut(BranchIdentity branch, @RequestBody Transfer t) {
 *     barrier.run(branch, () -> accounts.adjust(t.from(), -t.amount()));
 * }
 * }</pre>
 *
 * The business runs at most once per branch operation; a compensation whose action never ran does
 * nothing (null compensation) and an action arriving after its compensation does nothing (hanging).
 * The table is {@code dtm4j.barrier.table}; the dialect (PostgreSQL, MySQL/MariaDB, SQLite) comes
 * from the connection. Thread-safe.
 */
public final class DtmBarrier {
    private final DataSource dataSource;
    private final String table;
    /** For {@link #doAndSubmit}; null when the application has no transaction manager. */
    private final TransactionTemplate transactions;

    private final BarrierObserver observer;

    /** Something told of each barrier decision: the metrics. */
    @FunctionalInterface
    interface BarrierObserver {
        void onBarrier(BranchIdentity branch, boolean applied);
    }

    DtmBarrier(DataSource dataSource, String table, TransactionTemplate transactions, BarrierObserver observer) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.table = table;
        this.transactions = transactions;
        this.observer = observer == null ? (branch, applied) -> {} : observer;
    }

    /**
     * A barrier on {@code dataSource} with its rows in {@code table}; {@code transactions} runs the
     * local transaction of {@link #doAndSubmit} (null: doAndSubmit is unavailable).
     */
    public static DtmBarrier of(DataSource dataSource, String table, TransactionTemplate transactions) {
        return new DtmBarrier(dataSource, table, transactions, null);
    }

    /** The DataSource whose transactions the barrier joins. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The barrier table, as configured. */
    public String table() {
        return table;
    }

    /**
     * Runs {@code business} at most once for {@code branch}, on the connection of the current Spring
     * transaction, together with the barrier rows. Call it inside {@code @Transactional} or a {@code
     * TransactionTemplate}; an exception rolls the transaction back, barrier rows included.
     *
     * @return whether {@code business} ran (false: repeated call, null compensation or hanging action)
     * @throws IllegalStateException when no Spring transaction is active on this DataSource
     * @throws io.dtm4j.client.DtmException wrapping a checked exception of {@code business}; a
     *     RuntimeException of {@code business} (e.g. {@link DtmFailureException}) is rethrown as it is
     */
    public boolean run(BranchIdentity branch, BarrierBusiness business) {
        return run(BranchBarrier.of(branch).withTable(table), business);
    }

    /** Like {@link #run(BranchIdentity, BarrierBusiness)} for business code that reaches the database itself (JdbcTemplate, JPA). */
    public boolean run(BranchIdentity branch, Runnable business) {
        Objects.requireNonNull(business, "business");
        return run(branch, tx -> business.run());
    }

    private boolean run(BranchBarrier barrier, BarrierBusiness business) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("the dtm4j barrier of " + describe(barrier.branch())
                    + " needs a Spring transaction: call it inside @Transactional or TransactionTemplate");
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            boolean applied = barrier.callInTransaction(connection, business);
            observer.onBarrier(barrier.branch(), applied);
            return applied;
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Answers the server's check-back for the two-phase message {@code gid} (the handler of the
     * {@code queryPrepared} URL): returns when its local transaction committed, throws {@link
     * DtmFailureException} (answered 409 by a branch handler) when it did not, after making sure it
     * never will. Runs outside any transaction, on a connection of its own.
     */
    public void queryPrepared(String gid) {
        BranchBarrier.queryPrepared(dataSource, gid, table);
    }

    /**
     * Prepares {@code msg}, runs {@code business} in a new Spring transaction together with the
     * message's barrier row, then submits the message (or aborts it when {@code business} throws
     * {@link DtmFailureException}); see {@link Msg#doAndSubmit}. The check-back handler at {@code
     * queryPrepared} answers with {@link #queryPrepared}.
     *
     * @throws IllegalStateException when the application has no transaction manager
     */
    public void doAndSubmit(Msg msg, String queryPrepared, Runnable business) {
        Objects.requireNonNull(business, "business");
        if (transactions == null) {
            throw new IllegalStateException("DtmBarrier.doAndSubmit needs a PlatformTransactionManager bean");
        }
        msg.doAndSubmit(
                queryPrepared,
                barrier -> transactions.executeWithoutResult(
                        status -> run(barrier.withTable(table), tx -> business.run())));
    }

    private static String describe(BranchIdentity branch) {
        return branch.gid() + "/" + branch.branchId() + "/" + branch.op();
    }
}
