package io.dtm4j.client.xa;

import io.dtm4j.server.testing.JdbcTestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A business database for XA tests on MariaDB ({@code mysql}) or PostgreSQL ({@code postgres}): a
 * fresh database or schema holding the barrier table and {@code user_account} (users 1 and 2),
 * reached through the driver's unpooled {@link DataSource}, dropped on close together with any
 * prepared transaction of the tests left behind.
 */
public final class XaTestDatabase implements AutoCloseable {
    /** Every xid the tests make starts with this, so cleanup touches nothing else. */
    public static final String XID_PREFIX = "client-xa-";

    private final String driver;
    private final String namespace;
    private final DataSource dataSource;
    /** The start of the xids this database's tests prepare, and the ones {@link #close} cleans up. */
    private final String xidPrefix;

    private XaTestDatabase(String driver, String namespace, DataSource dataSource, String xidPrefix) {
        this.driver = driver;
        this.namespace = namespace;
        this.dataSource = dataSource;
        this.xidPrefix = xidPrefix;
    }

    /** Returns why {@code driver}'s database cannot run XA tests, or empty when it can. */
    public static Optional<String> unavailable(String driver) {
        Optional<String> down = JdbcTestDatabases.unavailable(driver);
        if (down.isPresent() || !driver.equals("postgres")) {
            return down;
        }
        try (Connection c = dataSource(driver, "").getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW max_prepared_transactions")) {
            rs.next();
            return rs.getInt(1) > 0
                    ? Optional.empty()
                    : Optional.of("PostgreSQL has max_prepared_transactions = 0, so it cannot prepare XA branches");
        } catch (SQLException e) {
            return Optional.of("PostgreSQL: " + e.getMessage());
        }
    }

    /** Creates the namespace and its tables on {@code driver}'s server, for gids starting with {@link #XID_PREFIX}. */
    public static XaTestDatabase create(String driver) throws SQLException {
        return create(driver, XID_PREFIX);
    }

    /**
     * The same for gids starting with {@code xidPrefix}; test classes running at the same time need
     * prefixes that do not start one another, because prepared transactions are server-wide.
     */
    public static XaTestDatabase create(String driver, String xidPrefix) throws SQLException {
        String ns = JdbcTestDatabases.freshNamespace();
        boolean pg = driver.equals("postgres");
        try (Connection c = dataSource(driver, "").getConnection();
                Statement s = c.createStatement()) {
            s.execute((pg ? "CREATE SCHEMA " : "CREATE DATABASE ") + ns);
            s.execute(
                    pg
                            ? "CREATE TABLE " + ns
                                    + ".barrier (id bigserial PRIMARY KEY, trans_type varchar(45) DEFAULT '',"
                                    + " gid varchar(128) DEFAULT '', branch_id varchar(128) DEFAULT '', op varchar(45) DEFAULT '',"
                                    + " barrier_id varchar(45) DEFAULT '', reason varchar(45) DEFAULT '',"
                                    + " create_time timestamptz DEFAULT NULL, update_time timestamptz DEFAULT NULL,"
                                    + " CONSTRAINT uniq_barrier UNIQUE (gid, branch_id, op, barrier_id))"
                            : "CREATE TABLE " + ns
                                    + ".barrier (id bigint PRIMARY KEY AUTO_INCREMENT, trans_type varchar(45)"
                                    + " DEFAULT '', gid varchar(128) DEFAULT '', branch_id varchar(128) DEFAULT '', op varchar(45)"
                                    + " DEFAULT '', barrier_id varchar(45) DEFAULT '', reason varchar(45) DEFAULT '',"
                                    + " create_time datetime DEFAULT now(), update_time datetime DEFAULT now(),"
                                    + " UNIQUE KEY uniq_barrier (gid, branch_id, op, barrier_id))");
            s.execute("CREATE TABLE " + ns + ".user_account (user_id int PRIMARY KEY, balance bigint NOT NULL)");
            s.execute("INSERT INTO " + ns + ".user_account VALUES (1, 10000), (2, 10000)");
        }
        return new XaTestDatabase(driver, ns, dataSource(driver, ns), xidPrefix);
    }

    private static DataSource dataSource(String driver, String database) throws SQLException {
        String address = JdbcTestDatabases.host(driver) + ":" + JdbcTestDatabases.port(driver);
        if (driver.equals("postgres")) {
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL("jdbc:postgresql://" + address + "/test");
            pg.setUser(JdbcTestDatabases.user(driver));
            pg.setPassword(JdbcTestDatabases.password(driver));
            return pg;
        }
        MariaDbDataSource maria = new MariaDbDataSource("jdbc:mariadb://" + address + "/" + database);
        maria.setUser(JdbcTestDatabases.user(driver));
        maria.setPassword(JdbcTestDatabases.password(driver));
        return maria;
    }

    /** {@code mysql} or {@code postgres}. */
    public String driver() {
        return driver;
    }

    /** Unpooled connections to the business database. */
    public DataSource dataSource() {
        return dataSource;
    }

    /** The barrier table of this namespace, for {@code XaLocalTransaction.withBarrierTable}. */
    public String barrierTable() {
        return namespace + ".barrier";
    }

    /** The statement that adds {@code ?} (amount) to the balance of user {@code ?}. */
    public String adjustBalance() {
        return "UPDATE " + namespace + ".user_account SET balance = balance + ? WHERE user_id = ?";
    }

    /** Sets the balance of both users. */
    public void setBalances(long balance) throws SQLException {
        update("UPDATE " + namespace + ".user_account SET balance = ?", balance);
    }

    /** Returns the committed balance of {@code user}. */
    public long balance(int user) throws SQLException {
        List<String> rows = strings("SELECT balance FROM " + namespace + ".user_account WHERE user_id = ?", user);
        return Long.parseLong(rows.get(0));
    }

    /** Returns the reasons of the barrier rows of {@code gid}/{@code branchId}. */
    public List<String> barrierReasons(String gid, String branchId) throws SQLException {
        return strings(
                "SELECT reason FROM " + barrierTable() + " WHERE gid = ? AND branch_id = ? ORDER BY id", gid, branchId);
    }

    /** Returns the xids of the prepared transactions that start with {@code prefix}. */
    public List<String> preparedXids(String prefix) throws SQLException {
        if (driver.equals("postgres")) {
            return strings("SELECT gid FROM pg_prepared_xacts WHERE gid LIKE ?", prefix + "%");
        }
        List<String> xids = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("XA RECOVER")) {
            while (rs.next()) {
                String xid = rs.getString("data");
                if (xid.startsWith(prefix)) {
                    xids.add(xid);
                }
            }
        }
        return xids;
    }

    /** Commits the prepared transaction {@code xid} behind the server's back. */
    public void commitPrepared(String xid) throws SQLException {
        execute((driver.equals("postgres") ? "COMMIT PREPARED '" : "XA COMMIT '") + xid + "'");
    }

    /** Rolls back every prepared transaction the tests left, then drops the namespace. */
    @Override
    public void close() throws SQLException {
        for (String xid : preparedXids(xidPrefix)) {
            execute((driver.equals("postgres") ? "ROLLBACK PREPARED '" : "XA ROLLBACK '") + xid + "'");
        }
        execute(driver.equals("postgres") ? "DROP SCHEMA " + namespace + " CASCADE" : "DROP DATABASE " + namespace);
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private void update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private List<String> strings(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }
}
