package io.dtm4j.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Properties;

/**
 * PostgreSQL: tables in a schema (Store.Schema, default {@code public}) of database Store.Db,
 * ids from sequences, times as {@code timestamp(0) with time zone}. Times are bound as absolute
 * {@link OffsetDateTime}s, so the session time zone does not matter to dtm4j.
 */
public final class PostgresDialect extends SqlDialect {
    /** Key of the advisory lock serializing schema creation ("dtm4jddl" as a number). */
    private static final long DDL_LOCK = 0x64746d346a64646cL;

    @Override
    public String name() {
        return "postgres";
    }

    /** Unquoted PostgreSQL identifiers fold to lower case; so does the schema name. */
    @Override
    public String namespace(String db, String schema) {
        return identifier(schema).toLowerCase(Locale.ROOT);
    }

    @Override
    String jdbcUrl(String host, int port, String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    @Override
    void configure(HikariConfig pool, String namespace) {
        pool.addDataSourceProperty("currentSchema", namespace);
        pool.addDataSourceProperty("ApplicationName", "dtm4j");
        pool.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    }

    @Override
    void ensureDatabase(String host, int port, String user, String password, String db) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        try (Connection c = DriverManager.getConnection(jdbcUrl(host, port, db), props)) {
            return;
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) { // invalid_catalog_name: the database is absent
                throw e;
            }
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl(host, port, "postgres"), props);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + identifier(db));
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // duplicate_database: another node was faster
                throw e;
            }
        }
    }

    @Override
    String ddlResource() {
        return "postgres.sql";
    }

    @Override
    String ddlPlaceholder() {
        return "{schema}";
    }

    @Override
    void lockDdl(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + DDL_LOCK + ")");
        }
    }

    @Override
    void unlockDdl(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_unlock(" + DDL_LOCK + ")");
        }
    }

    @Override
    String countTablesSql() {
        return "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?"
                + " AND table_name IN ('trans_global', 'trans_branch_op', 'kv')";
    }

    @Override
    String insertIfAbsent(String insert, String uniqueColumns) {
        return insert + " ON CONFLICT (" + uniqueColumns + ") DO NOTHING";
    }

    @Override
    boolean isDuplicate(SQLException e) {
        return "23505".equals(e.getSQLState());
    }

    @Override
    String forShare() {
        return " FOR SHARE";
    }

    @Override
    boolean updateReturning() {
        return true;
    }

    @Override
    void setTime(PreparedStatement ps, int index, Instant time) throws SQLException {
        ps.setObject(index, OffsetDateTime.ofInstant(time, ZoneOffset.UTC));
    }

    @Override
    void setNullTime(PreparedStatement ps, int index) throws SQLException {
        ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    }

    @Override
    Instant getTime(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
