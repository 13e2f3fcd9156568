package io.dtm4j.client.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.protocol.Ops;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The barrier contract on a SQL database, with a business table {@code balance(account, amount)}
 * next to the barrier table, plus what only the SQL barrier does: roll back with the business, and
 * write dtm's rows.
 */
abstract class SqlBarrierContractTest extends BarrierContractTest {

    /** The database under test. */
    protected abstract DataSource db();

    /** The business table, e.g. {@code ns.balance}. */
    protected abstract String balanceTable();

    /** The barrier table, e.g. {@code ns.barrier}, created by {@link BarrierSchema}. */
    protected abstract String barrierTable();

    /** Creates the business table {@code table}. */
    static void createBalanceTable(DataSource db, String table) throws SQLException {
        execute(db, "CREATE TABLE " + table + " (account varchar(64) PRIMARY KEY, amount bigint NOT NULL)");
    }

    static void execute(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    protected void open(String account, long amount) throws SQLException {
        try (Connection c = db().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + balanceTable() + " WHERE account = ?")) {
                ps.setString(1, account);
                ps.executeUpdate();
            }
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO " + balanceTable() + " (account, amount) VALUES (?, ?)")) {
                ps.setString(1, account);
                ps.setLong(2, amount);
                ps.executeUpdate();
            }
        }
    }

    @Override
    protected long balance(String account) throws SQLException {
        try (Connection c = db().getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT amount FROM " + balanceTable() + " WHERE account = ?")) {
            ps.setString(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no account " + account);
                }
                return rs.getLong(1);
            }
        }
    }

    @Override
    protected void adjust(BranchIdentity branch, String account, long amount) {
        BranchBarrier.of(branch).withTable(barrierTable()).callWithDb(db(), tx -> add(tx, account, amount));
    }

    /** The business: refuses (FAILURE) a missing account or a balance that would go below zero. */
    void add(Connection tx, String account, long amount) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE " + balanceTable() + " SET amount = amount + ? WHERE account = ? AND amount + ? >= 0")) {
            ps.setLong(1, amount);
            ps.setString(2, account);
            ps.setLong(3, amount);
            if (ps.executeUpdate() == 0) {
                throw new DtmFailureException("account " + account + ": insufficient balance for " + amount);
            }
        }
    }

    @Override
    protected void queryPrepared(String gid, String account) {
        BranchBarrier.queryPrepared(db(), gid, barrierTable());
    }

    /** The barrier rows of {@code gid} as "branch_id op barrier_id reason", in insertion order. */
    List<String> barrierRows(String gid) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db().getConnection()) {
            String table = SqlDialect.of(c).physicalTable(barrierTable());
            try (PreparedStatement ps = c.prepareStatement("SELECT trans_type, branch_id, op, barrier_id, reason FROM "
                    + table + " WHERE gid = ? ORDER BY id")) {
                ps.setString(1, gid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(String.join(
                                " ",
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                rs.getString(5)));
                    }
                }
            }
        }
        return rows;
    }

    @Test
    void aBusinessExceptionRollsBackTheBusinessAndTheBarrierRow() throws Exception {
        String gid = "rollback-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);
        IllegalStateException boom = new IllegalStateException("boom after the update");

        assertThatThrownBy(() -> BranchBarrier.of(tcc(gid, Ops.TRY))
                        .withTable(barrierTable())
                        .callWithDb(db(), tx -> {
                            add(tx, account, -30);
                            throw boom;
                        }))
                .isSameAs(boom);
        assertThat(balance(account)).isEqualTo(100);
        assertThat(barrierRows(gid)).isEmpty();

        adjust(tcc(gid, Ops.TRY), account, -30);
        assertThat(balance(account)).isEqualTo(70);
    }

    @Test
    void aCheckedBusinessExceptionComesBackWrapped() throws Exception {
        String gid = "checked-" + System.nanoTime();
        IOException cause = new IOException("disk full");

        assertThatThrownBy(() -> BranchBarrier.of(saga(gid, Ops.ACTION))
                        .withTable(barrierTable())
                        .callWithDb(db(), tx -> {
                            throw cause;
                        }))
                .isExactlyInstanceOf(DtmException.class)
                .hasCause(cause)
                .hasMessageContaining(gid + "/01/action");
    }

    @Test
    void theRowsAreDtmsRows() throws Exception {
        String gid = "rows-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);

        adjust(tcc(gid, Ops.CANCEL), account, 30);
        adjust(tcc(gid, Ops.TRY), account, -30);
        assertThatThrownBy(() -> queryPrepared(gid, account)).isInstanceOf(DtmFailureException.class);

        assertThat(barrierRows(gid))
                .containsExactly("tcc 01 try 01 cancel", "tcc 01 cancel 01 cancel", "msg 00 msg 01 rollback");
    }

    @Test
    void eachCallOfOneBarrierObjectTakesTheNextBarrierId() throws Exception {
        String gid = "ids-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);
        BranchBarrier barrier = BranchBarrier.of(saga(gid, Ops.ACTION)).withTable(barrierTable());

        barrier.callWithDb(db(), tx -> add(tx, account, -10));
        barrier.callWithDb(db(), tx -> add(tx, account, -10));

        assertThat(balance(account)).isEqualTo(80);
        assertThat(barrierRows(gid)).containsExactly("saga 01 action 01 action", "saga 01 action 02 action");
    }

    @Test
    void theDefaultTableWorksOnceCreated() throws Exception {
        String gid = "default-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);
        BarrierSchema.create(db());
        BarrierSchema.create(db());

        BranchBarrier.of(saga(gid, Ops.ACTION)).callWithDb(db(), tx -> add(tx, account, -10));
        BranchBarrier.of(saga(gid, Ops.ACTION)).callWithDb(db(), tx -> add(tx, account, -10));
        BranchBarrier.of(msg(gid)).callWithDb(db(), tx -> add(tx, account, -20));
        BranchBarrier.queryPrepared(db(), gid);

        assertThat(balance(account)).isEqualTo(70);
    }

    @Test
    void creatingTheSchemaAgainKeepsTheRows() throws Exception {
        String gid = "again-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);
        adjust(saga(gid, Ops.ACTION), account, -10);

        BarrierSchema.create(db(), barrierTable());

        adjust(saga(gid, Ops.ACTION), account, -10);
        assertThat(balance(account)).isEqualTo(90);
    }
    /** Runs {@code business} with {@link BranchBarrier#callInTransaction} in a transaction this test commits or rolls back. */
    boolean inCallerTransaction(BranchIdentity branch, boolean commit, BarrierBusiness business) throws SQLException {
        try (Connection tx = db().getConnection()) {
            tx.setAutoCommit(false);
            try {
                boolean ran = BranchBarrier.of(branch).withTable(barrierTable()).callInTransaction(tx, business);
                if (commit) {
                    tx.commit();
                } else {
                    tx.rollback();
                }
                return ran;
            } catch (RuntimeException e) {
                tx.rollback();
                throw e;
            }
        }
    }

    @Test
    void inTheCallersTransactionTheBarrierCommitsAndRollsBackWithTheCaller() throws Exception {
        String gid = "joined-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);

        assertThat(inCallerTransaction(saga(gid, Ops.ACTION), false, tx -> add(tx, account, -30)))
                .isTrue();
        assertThat(balance(account)).isEqualTo(100);
        assertThat(barrierRows(gid)).isEmpty();

        assertThat(inCallerTransaction(saga(gid, Ops.ACTION), true, tx -> add(tx, account, -30)))
                .isTrue();
        assertThat(inCallerTransaction(saga(gid, Ops.ACTION), true, tx -> add(tx, account, -30)))
                .as("the repeated action")
                .isFalse();
        assertThat(balance(account)).isEqualTo(70);
        assertThat(barrierRows(gid)).containsExactly("saga 01 action 01 action");
    }

    @Test
    void inTheCallersTransactionANullCompensationSkipsTheBusinessAndBlocksTheLateAction() throws Exception {
        String gid = "joined-null-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);

        assertThat(inCallerTransaction(saga(gid, Ops.COMPENSATE), true, tx -> add(tx, account, 30)))
                .isFalse();
        assertThat(inCallerTransaction(saga(gid, Ops.ACTION), true, tx -> add(tx, account, -30)))
                .isFalse();
        assertThat(balance(account)).isEqualTo(100);
    }

    @Test
    void inTheCallersTransactionAMessageAlreadyCheckedBackIsDuplicated() throws Exception {
        String gid = "joined-msg-" + System.nanoTime();
        String account = "acct-" + System.nanoTime();
        open(account, 100);
        assertThatThrownBy(() -> queryPrepared(gid, account)).isInstanceOf(DtmFailureException.class);

        assertThatThrownBy(() -> inCallerTransaction(msg(gid), true, tx -> add(tx, account, -30)))
                .isInstanceOf(io.dtm4j.client.DtmDuplicatedException.class);
        assertThat(balance(account)).isEqualTo(100);
    }

    @Test
    void inTheCallersTransactionAnAutoCommitConnectionIsRefused() throws Exception {
        String gid = "joined-auto-" + System.nanoTime();
        try (Connection c = db().getConnection()) {
            c.setAutoCommit(true);
            assertThatThrownBy(() -> BranchBarrier.of(saga(gid, Ops.ACTION))
                            .withTable(barrierTable())
                            .callInTransaction(c, tx -> {}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit");
        }
        assertThat(barrierRows(gid)).isEmpty();
    }
}
