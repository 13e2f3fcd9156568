package io.dtm4j.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;

/**
 * MySQL and MariaDB (through the MariaDB driver): tables in database Store.Db (default {@code
 * dtm}), auto-increment ids, times as {@code DATETIME}. A DATETIME has no zone: as dtm does, times
 * are written and read as wall-clock times of the server's time zone (the JVM default, {@code
 * -Duser.timezone} or {@code TZ}), so every node sharing the database must run in the same zone.
 * Sessions use READ COMMITTED, so that claims and inserts take no gap locks.
 */
public final class MySqlDialect extends SqlDialect {
    private final ZoneId zone;

    public MySqlDialect() {
        this(ZoneId.systemDefault());
    }

    /** A dialect reading and writing wall-clock times of {@code zone}. */
    public MySqlDialect(ZoneId zone) {
        this.zone = zone;
    }

    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public String namespace(String db, String schema) {
        return identifier(db);
    }

    @Override
    String jdbcUrl(String host, int port, String db) {
        return "jdbc:mariadb://" + host + ":" + port + "/" + db;
    }

    @Override
    void configure(HikariConfig pool, String namespace) {
        pool.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        // the driver spends a round trip on every autocommit toggle: JdbcStore commits explicitly
        pool.setAutoCommit(false);
        pool.addDataSourceProperty("connectionCollation", "utf8mb4_general_ci");
    }

    /** Connects without a database and creates it; the DDL repeats this harmlessly. */
    @Override
    void ensureDatabase(String host, int port, String user, String password, String db) throws SQLException {
        try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl(host, port, ""), user, password);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS " + identifier(db) + " DEFAULT CHARACTER SET utf8mb4");
        }
    }

    @Override
    String ddlResource() {
        return "mysql.sql";
    }

    @Override
    String ddlPlaceholder() {
        return "{db}";
    }

    @Override
    void lockDdl(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT GET_LOCK('dtm4j_ddl', 60)");
        }
    }

    @Override
    void unlockDdl(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT RELEASE_LOCK('dtm4j_ddl')");
        }
    }

    @Override
    String countTablesSql() {
        return "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?"
                + " AND table_name IN ('trans_global', 'trans_branch_op', 'kv')";
    }

    /**
     * Unchanged: INSERT IGNORE would also turn data errors (a too long value) into warnings, and
     * ON DUPLICATE KEY UPDATE reports found rows; the duplicate-key error is reliable.
     */
    @Override
    String insertIfAbsent(String insert, String uniqueColumns) {
        return insert;
    }

    @Override
    boolean isDuplicate(SQLException e) {
        return e.getErrorCode() == 1062;
    }

    @Override
    String forShare() {
        return " LOCK IN SHARE MODE";
    }

    @Override
    boolean updateReturning() {
        return false;
    }

    @Override
    void setTime(PreparedStatement ps, int index, Instant time) throws SQLException {
        ps.setObject(index, LocalDateTime.ofInstant(time, zone));
    }

    @Override
    void setNullTime(PreparedStatement ps, int index) throws SQLException {
        ps.setNull(index, Types.TIMESTAMP);
    }

    @Override
    Instant getTime(ResultSet rs, String column) throws SQLException {
        LocalDateTime t = rs.getObject(column, LocalDateTime.class);
        return t == null ? null : t.atZone(zone).toInstant();
    }
}
