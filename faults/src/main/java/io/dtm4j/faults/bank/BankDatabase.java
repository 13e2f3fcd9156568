package io.dtm4j.faults.bank;

import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.barrier.BarrierSchema;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.client.barrier.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A bank's database: table {@code account} (balance and TCC trading amount per account), table
 * {@code ledger} (one row per applied change, which lets the checker prove that no branch operation
 * was applied twice or lost) and the barrier table. Shared by the bank process, which writes it,
 * and the harness, which creates it, writes msg local transactions into it and checks it.
 *
 * <p>The barrier table is the SDK's default {@value BranchBarrier#DEFAULT_TABLE}, so that the
 * harness's {@code Msg.doAndSubmitDb} and the bank's check-back see the same rows. On MariaDB that
 * is a database of the whole server, which other banks (and other programs) share: its rows are
 * keyed by gid, so sharing is harmless as long as gids are unique, and {@link #create} leaves
 * other rows there alone. On PostgreSQL it is a schema of the bank's own database.
 */
public final class BankDatabase {
    /** An account as read by the checker; {@code trading} is negative while a TCC debit is frozen. */
    public record Account(int id, long balance, long trading) {}

    /** One applied change, in the order of commit-time insertion ({@code seq}). */
    public record LedgerRow(
            long seq,
            String gid,
            String branchId,
            String op,
            int account,
            long balanceDelta,
            long tradingDelta,
            long atMillis) {}

    private BankDatabase() {}

    /**
     * Opens {@code jdbcUrl} ({@code jdbc:mariadb:} or {@code jdbc:postgresql:}); each {@code
     * getConnection} opens a fresh connection, which XA on MariaDB requires (a prepared XA branch
     * stays bound to its session).
     */
    public static DataSource open(String jdbcUrl) throws SQLException {
        if (jdbcUrl.startsWith("jdbc:mariadb:")) {
            return new MariaDbDataSource(jdbcUrl);
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            PGSimpleDataSource postgres = new PGSimpleDataSource();
            postgres.setURL(jdbcUrl);
            return postgres;
        }
        throw new IllegalArgumentException(
                "a bank database is jdbc:mariadb: or jdbc:postgresql:, not '" + jdbcUrl + "'");
    }

    /**
     * Drops and creates {@code account} (accounts 1..{@code accounts} holding {@code initialBalance})
     * and {@code ledger}; creates the barrier table unless it exists and empties it on PostgreSQL,
     * where it belongs to this database alone.
     */
    public static void create(DataSource ds, int accounts, long initialBalance) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            boolean postgres = SqlDialect.of(c) == SqlDialect.POSTGRES;
            s.execute("DROP TABLE IF EXISTS ledger");
            s.execute("DROP TABLE IF EXISTS account");
            s.execute("CREATE TABLE account (id INT PRIMARY KEY, balance BIGINT NOT NULL, trading BIGINT NOT NULL)");
            s.execute("CREATE TABLE ledger (seq "
                    + (postgres ? "BIGSERIAL" : "BIGINT AUTO_INCREMENT") + " PRIMARY KEY, gid VARCHAR(128) NOT NULL,"
                    + " branch_id VARCHAR(128) NOT NULL, op VARCHAR(45) NOT NULL, account INT NOT NULL,"
                    + " balance_delta BIGINT NOT NULL, trading_delta BIGINT NOT NULL, at_millis BIGINT NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO account (id, balance, trading) VALUES (?, ?, 0)")) {
                for (int id = 1; id <= accounts; id++) {
                    ps.setInt(1, id);
                    ps.setLong(2, initialBalance);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
            BarrierSchema.create(ds);
            if (postgres) {
                s.execute("DELETE FROM " + BranchBarrier.DEFAULT_TABLE);
            }
        }
    }

    /**
     * Adds the deltas to {@code account} and writes the ledger row, in the caller's transaction.
     *
     * @throws DtmFailureException when {@code mustCover} and balance + trading would end below 0;
     *     nothing is changed then
     * @throws IllegalArgumentException when the account does not exist (a bug of the caller, not a
     *     business failure)
     */
    public static void move(
            Connection tx,
            String gid,
            String branchId,
            String op,
            int account,
            long balanceDelta,
            long tradingDelta,
            boolean mustCover)
            throws SQLException {
        long total = balanceDelta + tradingDelta;
        try (PreparedStatement ps =
                tx.prepareStatement("UPDATE account SET balance = balance + ?, trading = trading + ? WHERE id = ?"
                        + (mustCover ? " AND balance + trading + ? >= 0" : ""))) {
            ps.setLong(1, balanceDelta);
            ps.setLong(2, tradingDelta);
            ps.setInt(3, account);
            if (mustCover) {
                ps.setLong(4, total);
            }
            if (ps.executeUpdate() == 0) {
                if (!exists(tx, account)) {
                    throw new IllegalArgumentException("no account " + account);
                }
                throw new DtmFailureException("insufficient balance: account " + account + " cannot cover " + -total
                        + " cents (" + op + " of " + gid + "/" + branchId + ")");
            }
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO ledger"
                        + " (gid, branch_id, op, account, balance_delta, trading_delta, at_millis) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, gid);
            ps.setString(2, branchId);
            ps.setString(3, op);
            ps.setInt(4, account);
            ps.setLong(5, balanceDelta);
            ps.setLong(6, tradingDelta);
            ps.setLong(7, System.currentTimeMillis());
            ps.executeUpdate();
        }
    }

    private static boolean exists(Connection tx, int account) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT 1 FROM account WHERE id = ?")) {
            ps.setInt(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The whole ledger, by {@code seq}. */
    public static List<LedgerRow> ledger(DataSource ds) throws SQLException {
        List<LedgerRow> rows = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT seq, gid, branch_id, op, account, balance_delta, trading_delta,"
                        + " at_millis FROM ledger ORDER BY seq")) {
            while (rs.next()) {
                rows.add(new LedgerRow(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getInt(5),
                        rs.getLong(6),
                        rs.getLong(7),
                        rs.getLong(8)));
            }
        }
        return rows;
    }

    /** Every account by id, in id order. */
    public static Map<Integer, Account> accounts(DataSource ds) throws SQLException {
        Map<Integer, Account> accounts = new LinkedHashMap<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, balance, trading FROM account ORDER BY id")) {
            while (rs.next()) {
                accounts.put(rs.getInt(1), new Account(rs.getInt(1), rs.getLong(2), rs.getLong(3)));
            }
        }
        return accounts;
    }

    /** The sum of all balances (trading amounts excluded). */
    public static long totalBalance(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(balance), 0) FROM account")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The XA transactions the database holds prepared (MariaDB's {@code XA RECOVER}; PostgreSQL's prepared ones). */
    public static List<String> preparedXa(DataSource ds) throws SQLException {
        List<String> xids = new ArrayList<>();
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            boolean postgres =
                    c.getMetaData().getDatabaseProductName().toLowerCase().contains("postgres");
            try (ResultSet rs = s.executeQuery(postgres ? "SELECT gid FROM pg_prepared_xacts" : "XA RECOVER")) {
                while (rs.next()) {
                    xids.add(rs.getString(postgres ? "gid" : "data"));
                }
            }
        }
        return xids;
    }
}
