package io.dtm4j.examples;

import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.barrier.BarrierSchema;
import io.dtm4j.client.barrier.BranchBarrier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The business database: table {@code user_account} with the two users of the transfer, and the
 * barrier table, on SQLite, PostgreSQL or MariaDB/MySQL. Amounts are in cents.
 */
final class Bank {
    /** What users 1 and 2 hold before every example. */
    static final long INITIAL_BALANCE = 10_000;

    /** The databases the examples know. */
    enum Kind {
        SQLITE,
        POSTGRES,
        MARIADB
    }

    private static final String USER_TABLE = "CREATE TABLE IF NOT EXISTS user_account (user_id INT PRIMARY KEY,"
            + " balance BIGINT NOT NULL DEFAULT 0, trading_balance BIGINT NOT NULL DEFAULT 0,"
            + " create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP, update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP)";

    private final String url;
    private final Kind kind;
    private final DataSource dataSource;

    private Bank(String url, Kind kind, DataSource dataSource) {
        this.url = url;
        this.kind = kind;
        this.dataSource = dataSource;
    }

    /**
     * Opens the database at {@code jdbcUrl} ({@code jdbc:sqlite:}, {@code jdbc:postgresql:} or
     * {@code jdbc:mariadb:}); connects lazily.
     *
     * @throws IllegalArgumentException for any other URL
     */
    static Bank open(String jdbcUrl) throws SQLException {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) {
            SQLiteConfig config = new SQLiteConfig();
            config.setBusyTimeout(10_000); // the service and the example write from different threads
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            SQLiteDataSource sqlite = new SQLiteDataSource(config);
            sqlite.setUrl(jdbcUrl);
            return new Bank(jdbcUrl, Kind.SQLITE, sqlite);
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            PGSimpleDataSource postgres = new PGSimpleDataSource();
            postgres.setURL(jdbcUrl);
            return new Bank(jdbcUrl, Kind.POSTGRES, postgres);
        }
        if (jdbcUrl.startsWith("jdbc:mariadb:")) {
            return new Bank(jdbcUrl, Kind.MARIADB, new MariaDbDataSource(jdbcUrl));
        }
        throw new IllegalArgumentException("--db must be a jdbc:sqlite:, jdbc:postgresql: or jdbc:mariadb: URL"
                + " (the MariaDB driver also talks to MySQL), not '" + jdbcUrl + "'");
    }

    String url() {
        return url;
    }

    Kind kind() {
        return kind;
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** A barrier for the branch operation named by a request's query, in the SDK's default table. */
    BranchBarrier barrier(Map<String, ?> query) {
        return BranchBarrier.fromQuery(query);
    }

    /** Creates the business and barrier tables if absent, and gives users 1 and 2 their initial balances. */
    void prepare() throws SQLException {
        createTables();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM user_account WHERE user_id IN (1, 2)");
                s.executeUpdate("INSERT INTO user_account (user_id, balance, trading_balance) VALUES (1, "
                        + INITIAL_BALANCE + ", 0), (2, " + INITIAL_BALANCE + ", 0)");
            }
            c.commit();
        }
    }

    private void createTables() throws SQLException {
        execute(USER_TABLE);
        BarrierSchema.create(dataSource);
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Returns the balance of {@code user}. */
    long balance(int user) throws SQLException {
        return read("balance", user);
    }

    /** Returns the amount of {@code user} frozen (negative) or expected (positive) by TCC tries. */
    long tradingBalance(int user) throws SQLException {
        return read("trading_balance", user);
    }

    private long read(String column, int user) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT " + column + " FROM user_account WHERE user_id = ?")) {
            ps.setInt(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("user " + user + " is missing from user_account");
                }
                return rs.getLong(1);
            }
        }
    }

    /** Work on a connection inside a local transaction. */
    @FunctionalInterface
    interface Work {
        void run(Connection tx) throws Exception;
    }

    /** Runs {@code work} in a local transaction of its own, committed unless it throws. */
    void inTransaction(Work work) throws Exception {
        try (Connection tx = dataSource.getConnection()) {
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

    /**
     * Adds {@code amount} (negative: takes it) to the balance of {@code user}.
     *
     * @throws DtmFailureException when the balance would become negative: a definitive failure
     */
    static void adjustBalance(Connection tx, int user, long amount) throws SQLException {
        update(
                tx,
                "UPDATE user_account SET balance = balance + ?, update_time = CURRENT_TIMESTAMP"
                        + " WHERE user_id = ? AND balance + ? >= 0",
                user,
                amount);
    }

    /**
     * TCC try: records {@code amount} in the trading balance of {@code user} without moving money
     * yet; a negative amount is frozen and must be covered by the balance.
     *
     * @throws DtmFailureException when the balance cannot cover it
     */
    static void adjustTrading(Connection tx, int user, long amount) throws SQLException {
        update(
                tx,
                "UPDATE user_account SET trading_balance = trading_balance + ?, update_time = CURRENT_TIMESTAMP"
                        + " WHERE user_id = ? AND balance + trading_balance + ? >= 0",
                user,
                amount);
    }

    /** TCC confirm: moves {@code amount} from the trading balance of {@code user} into the balance. */
    static void confirmTrading(Connection tx, int user, long amount) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE user_account SET balance = balance + ?,"
                + " trading_balance = trading_balance - ?, update_time = CURRENT_TIMESTAMP WHERE user_id = ?")) {
            ps.setLong(1, amount);
            ps.setLong(2, amount);
            ps.setInt(3, user);
            ps.executeUpdate();
        }
    }

    private static void update(Connection tx, String sql, int user, long amount) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setLong(1, amount);
            ps.setInt(2, user);
            ps.setLong(3, amount);
            if (ps.executeUpdate() == 0) {
                throw new DtmFailureException(
                        "insufficient balance: user " + user + " cannot give " + -amount + " cents");
            }
        }
    }
}
