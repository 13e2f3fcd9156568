package io.dtm4j.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What differs between the SQL databases {@link JdbcStore} serves: connection URLs, the DDL, the
 * namespace of the tables (a PostgreSQL schema, a MySQL database), insert-if-absent, shared row
 * locks, {@code RETURNING}, and how a point in time is stored.
 */
public abstract sealed class SqlDialect permits PostgresDialect, MySqlDialect {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    /** Returns the dialect of a {@code Store.Driver}: {@code postgres} or {@code mysql}. */
    public static SqlDialect forDriver(String driver) {
        return switch (driver.toLowerCase(Locale.ROOT)) {
            case "postgres", "postgresql" -> new PostgresDialect();
            case "mysql", "mariadb" -> new MySqlDialect();
            default -> throw new IllegalArgumentException("no SQL dialect for Store.Driver " + driver);
        };
    }

    /** The driver name, {@code postgres} or {@code mysql}. */
    public abstract String name();

    /** The namespace holding the tables: Store.Schema (postgres) or Store.Db (mysql). */
    public abstract String namespace(String db, String schema);

    /** The URL of the pool's connections. */
    abstract String jdbcUrl(String host, int port, String db);

    /** Sets the dialect's pool options (session settings, isolation, namespace). */
    abstract void configure(HikariConfig pool, String namespace);

    /**
     * Makes sure the database the pool connects to exists, creating it when absent and possible.
     * Runs before the pool opens.
     */
    abstract void ensureDatabase(String host, int port, String user, String password, String db) throws SQLException;

    /** Name of the resource holding the DDL, with a {@code {db}} or {@code {schema}} placeholder. */
    abstract String ddlResource();

    /** Placeholder of the namespace in the DDL resource. */
    abstract String ddlPlaceholder();

    /** Returns the DDL creating the tables in {@code namespace}, as a DBA would run it. */
    public String ddl(String namespace) {
        String name = identifier(namespace);
        try (InputStream in = SqlDialect.class.getResourceAsStream(ddlResource())) {
            if (in == null) {
                throw new IllegalStateException("resource " + ddlResource() + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace(ddlPlaceholder(), name);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + ddlResource(), e);
        }
    }

    /** Splits {@link #ddl} into statements (comments dropped). */
    List<String> ddlStatements(String namespace) {
        return Arrays.stream(ddl(namespace).replaceAll("(?m)^--.*$", "").split(";"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /** Takes a lock serializing schema creation by several nodes; held until {@link #unlockDdl}. */
    abstract void lockDdl(Connection c) throws SQLException;

    abstract void unlockDdl(Connection c) throws SQLException;

    /** SQL counting how many of dtm's three tables exist in the namespace (one parameter). */
    abstract String countTablesSql();

    /**
     * Returns {@code insert} made to insert nothing (0 rows) instead of failing when a row with the
     * same {@code uniqueColumns} exists, or {@code insert} unchanged when the dialect relies on the
     * duplicate-key error ({@link #isDuplicate}).
     */
    abstract String insertIfAbsent(String insert, String uniqueColumns);

    /** Whether {@code e} reports a unique-key violation. */
    abstract boolean isDuplicate(SQLException e);

    /** The clause locking selected rows in share mode. */
    abstract String forShare();

    /** Whether {@code UPDATE … RETURNING *} is available. */
    abstract boolean updateReturning();

    /** Binds a point in time (not null). */
    abstract void setTime(PreparedStatement ps, int index, Instant time) throws SQLException;

    /** Binds a null time. */
    abstract void setNullTime(PreparedStatement ps, int index) throws SQLException;

    /** Reads a point in time; null for SQL NULL. */
    abstract Instant getTime(ResultSet rs, String column) throws SQLException;

    /** Checks and returns a table namespace name; it is written into SQL unquoted. */
    public static String identifier(String name) {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid database/schema name '" + name
                    + "': letters, digits and _ only, not starting with a digit");
        }
        return name;
    }
}
