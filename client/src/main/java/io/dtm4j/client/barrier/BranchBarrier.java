package io.dtm4j.client.barrier;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmDuplicatedException;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.protocol.Ops;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The sub-transaction barrier for SQL databases: makes a branch operation take effect at most once,
 * skips a compensation whose action never ran (null compensation), and skips an action that arrives
 * after its compensation (hanging). It records each operation in the barrier table inside the same
 * local transaction as the business work, so the two commit or roll back together; the table must
 * therefore live in the business database.
 *
 * <p>Create one object per incoming request (its barrier ids count from 01 within the request), then
 * call {@link #call} or {@link #callWithDb}. Supported: PostgreSQL, MySQL/MariaDB and SQLite; {@link
 * BarrierSchema#create} makes the table.
 */
public final class BranchBarrier {
    /**
     * dtm's default table: schema (PostgreSQL) or database (MySQL) {@code dtm_barrier}; on SQLite the
     * table {@code dtm_barrier_barrier} (see {@link SqlDialect#SQLITE}).
     */
    public static final String DEFAULT_TABLE = "dtm_barrier.barrier";

    /** Runs of a call whose barrier inserts were chosen as deadlock victims, before giving up. */
    private static final int MAX_ATTEMPTS = 3;

    private final BranchIdentity branch;
    private final String table;
    private int barrierId;

    private BranchBarrier(BranchIdentity branch, String table) {
        this.branch = Objects.requireNonNull(branch, "branch");
        this.table = BarrierSchema.requireValidTable(table);
    }

    /** A barrier for {@code branch} using the table {@value #DEFAULT_TABLE}. */
    public static BranchBarrier of(BranchIdentity branch) {
        return new BranchBarrier(branch, DEFAULT_TABLE);
    }

    /** A barrier for the branch named by the request's query parameters (see {@link BranchIdentity#fromQuery}). */
    public static BranchBarrier fromQuery(Map<String, ?> query) {
        return of(BranchIdentity.fromQuery(query));
    }

    /**
     * The same barrier, recording its rows in {@code table}: {@code name} or {@code schema.name}
     * (on SQLite the dot becomes an underscore, see {@link SqlDialect#SQLITE}).
     *
     * @throws IllegalArgumentException when {@code table} is not such a name
     */
    public BranchBarrier withTable(String table) {
        return new BranchBarrier(branch, table);
    }

    /** The branch operation this barrier protects. */
    public BranchIdentity branch() {
        return branch;
    }

    /** The barrier table, as configured (before the SQLite renaming). */
    public String table() {
        return table;
    }

    /**
     * Runs {@code business} at most once for this branch operation, in the local transaction of
     * {@code tx}, and commits it (or rolls it back when {@code business} throws). Returns without
     * running it for a repeated request, a null compensation or a hanging action.
     *
     * @throws DtmDuplicatedException for a message whose check-back already decided "rolled back"
     * @throws DtmException wrapping a checked exception of {@code business} or of the database; a
     *     {@link RuntimeException} of {@code business} is rethrown as it is
     */
    public void call(Connection tx, BarrierBusiness business) {
        String id = "%02d".formatted(++barrierId);
        for (int attempt = 1; ; attempt++) {
            try {
                callOnce(tx, business, id);
                return;
            } catch (BarrierDeadlock e) {
                // InnoDB may pick one of two concurrent barrier inserts (two cancels of one branch) as a
                // deadlock victim; everything was rolled back, so running again is safe
                rollbackQuietly(tx, e.cause);
                if (attempt == MAX_ATTEMPTS) {
                    throw new DtmException("barrier " + describe() + ": " + e.cause, e.cause);
                }
            } catch (Exception e) {
                rollbackQuietly(tx, e);
                throw e instanceof RuntimeException re ? re : new DtmException("barrier " + describe() + ": " + e, e);
            }
        }
    }

    /** A deadlock on the barrier's own inserts, before the business ran. */
    private static final class BarrierDeadlock extends Exception {
        final SQLException cause;

        BarrierDeadlock(SQLException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private void callOnce(Connection tx, BarrierBusiness business, String id) throws Exception {
        tx.setAutoCommit(false);
        boolean runBusiness;
        try {
            runBusiness = insertRows(tx, id);
        } catch (SQLTransactionRollbackException e) {
            throw new BarrierDeadlock(e);
        }
        if (runBusiness) {
            business.run(tx);
        }
        tx.commit();
    }

    /**
     * Runs {@code business} at most once for this branch operation inside the transaction already
     * open on {@code tx}, which the caller commits or rolls back: for transactions managed by a
     * framework (e.g. Spring's, on the connection it bound to the current thread). The barrier rows
     * and the business work commit or roll back with that transaction. Unlike {@link #call}, a
     * deadlock on the barrier rows is not retried here: it is thrown, and the caller's transaction
     * must roll back (the server calls the branch again).
     *
     * @return whether {@code business} ran; false for a repeated request, a null compensation or a
     *     hanging action
     * @throws DtmDuplicatedException for a message whose check-back already decided "rolled back"
     * @throws DtmException wrapping a checked exception of {@code business} or of the database; a
     *     {@link RuntimeException} of {@code business} is rethrown as it is. After any exception the
     *     caller must roll its transaction back.
     * @throws IllegalStateException when {@code tx} is in auto-commit mode (no transaction is open)
     */
    public boolean callInTransaction(Connection tx, BarrierBusiness business) {
        Objects.requireNonNull(business, "business");
        String id = "%02d".formatted(++barrierId);
        try {
            if (tx.getAutoCommit()) {
                throw new IllegalStateException("barrier " + describe()
                        + ": the connection is in auto-commit mode; open a transaction first (e.g. @Transactional)");
            }
            if (!insertRows(tx, id)) {
                return false;
            }
            business.run(tx);
            return true;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new DtmException("barrier " + describe() + ": " + e, e);
        }
    }

    /**
     * Inserts the barrier rows of this operation on {@code tx} and returns whether the business must
     * run: not for a repeated request, a null compensation or a hanging action.
     *
     * @throws DtmDuplicatedException for a message already checked back as rolled back; the caller rolls back
     */
    private boolean insertRows(Connection tx, String id) throws SQLException {
        String originOp = originOf(branch.op());
        SqlDialect dialect = SqlDialect.of(tx);
        boolean originInserted = originOp != null && insert(tx, dialect, originOp, id, branch.op());
        boolean currentInserted = insert(tx, dialect, branch.op(), id, branch.op());
        if (Ops.MSG.equals(branch.op()) && !currentInserted) {
            throw new DtmDuplicatedException("gid " + branch.gid() + ": the message was already checked back and"
                    + " rolled back; the local transaction must not run");
        }
        boolean nullCompensation = originOp != null && originInserted;
        return !nullCompensation && currentInserted;
    }

    /** Like {@link #call} on a new connection of {@code db}, closed afterwards. */
    public void callWithDb(DataSource db, BarrierBusiness business) {
        try (Connection tx = db.getConnection()) {
            call(tx, business);
        } catch (SQLException e) {
            throw new DtmException("barrier " + describe() + ": " + e, e);
        }
    }

    /**
     * Answers the server's check-back for the two-phase message {@code gid}: returns normally when
     * the message's local transaction committed; throws {@link DtmFailureException} when it did not,
     * after making sure it never can (a late commit then fails with {@link DtmDuplicatedException}).
     * If the local transaction is still open, this waits for it on the row lock.
     */
    public static void queryPrepared(DataSource db, String gid) {
        queryPrepared(db, gid, DEFAULT_TABLE);
    }

    /** {@link #queryPrepared(DataSource, String)} with the barrier rows in {@code table}. */
    public static void queryPrepared(DataSource db, String gid, String table) {
        var msg = new BranchBarrier(new BranchIdentity(Ops.MSG, gid, Ops.RESERVED_BRANCH_ID, Ops.MSG), table);
        String reason;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            SqlDialect dialect = SqlDialect.of(c);
            msg.insert(c, dialect, Ops.MSG, "01", Ops.ROLLBACK);
            try (PreparedStatement ps = c.prepareStatement("SELECT reason FROM " + dialect.physicalTable(table)
                    + " WHERE gid = ? AND branch_id = ? AND op = ? AND barrier_id = ?")) {
                ps.setString(1, gid);
                ps.setString(2, Ops.RESERVED_BRANCH_ID);
                ps.setString(3, Ops.MSG);
                ps.setString(4, "01");
                try (ResultSet rs = ps.executeQuery()) {
                    reason = rs.next() ? rs.getString(1) : "";
                }
            }
        } catch (SQLException e) {
            throw new DtmException("query prepared of gid " + gid + ": " + e, e);
        }
        if (Ops.ROLLBACK.equals(reason)) {
            throw new DtmFailureException("gid " + gid + ": the local transaction did not commit");
        }
    }

    /**
     * Inserts this branch's barrier row for {@code op} and {@code barrierId} on {@code tx} unless
     * one exists, without committing. Returns empty when it inserted the row, else the reason of the
     * row already there. For protocols that run their own local transaction around the barrier row,
     * such as an XA branch. Waits on the row lock while another open transaction holds the same row.
     */
    public Optional<String> insertIfAbsent(Connection tx, String op, String barrierId, String reason)
            throws SQLException {
        if (insert(tx, SqlDialect.of(tx), op, barrierId, reason)) {
            return Optional.empty();
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT reason FROM " + table + " WHERE gid = ? AND branch_id = ? AND op = ? AND barrier_id = ?")) {
            ps.setString(1, branch.gid());
            ps.setString(2, branch.branchId());
            ps.setString(3, op);
            ps.setString(4, barrierId);
            try (ResultSet rs = ps.executeQuery()) {
                return Optional.of(rs.next() ? rs.getString(1) : "");
            }
        }
    }

    /** Inserts a barrier row unless it exists; returns whether it inserted one. */
    boolean insert(Connection tx, SqlDialect dialect, String op, String id, String reason) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(dialect.insertIgnore(table))) {
            ps.setString(1, branch.transType());
            ps.setString(2, branch.gid());
            ps.setString(3, branch.branchId());
            ps.setString(4, op);
            ps.setString(5, id);
            ps.setString(6, reason);
            return ps.executeUpdate() > 0;
        }
    }

    /** The op whose row a compensation writes first, so that a late original finds it. */
    static String originOf(String op) {
        return switch (op) {
            case Ops.CANCEL -> Ops.TRY;
            case Ops.COMPENSATE, Ops.ROLLBACK -> Ops.ACTION;
            default -> null;
        };
    }

    private String describe() {
        return branch.gid() + "/" + branch.branchId() + "/" + branch.op();
    }

    private static void rollbackQuietly(Connection tx, Exception cause) {
        try {
            tx.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
