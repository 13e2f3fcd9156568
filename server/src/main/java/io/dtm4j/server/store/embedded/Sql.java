package io.dtm4j.server.store.embedded;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.StoreRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Binds parameters and maps rows for the embedded store. Instants are stored as epoch milliseconds
 * and statuses and types as their wire names, so that the SQL stays plain and the file readable
 * with the sqlite3 shell.
 */
final class Sql {

    /** Maps the current row of a result set. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Prepared statements per connection (connections do not override equals: identity keys). */
    private static final Map<Connection, Map<String, PreparedStatement>> STATEMENTS = new ConcurrentHashMap<>();

    private Sql() {}

    /** Runs an INSERT, UPDATE or DELETE and returns the number of rows it changed. */
    static int update(Connection c, String sql, Object... args) throws SQLException {
        return prepare(c, sql, args).executeUpdate();
    }

    /** Runs a statement that returns rows (a SELECT, or a write with RETURNING). */
    static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        try (ResultSet rs = prepare(c, sql, args).executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(mapper.map(rs));
            }
            return rows;
        }
    }

    /**
     * Returns the cached statement for {@code sql} on {@code c}, with {@code args} bound. Each
     * connection is used by one thread only, so its cache needs no locking; preparing every statement
     * anew took a fifth of the writer's time (see docs/benchmarks.md).
     */
    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        Map<String, PreparedStatement> cache = STATEMENTS.computeIfAbsent(c, k -> new HashMap<>());
        PreparedStatement ps = cache.get(sql);
        if (ps == null) {
            ps = c.prepareStatement(sql);
            cache.put(sql, ps);
        }
        ps.clearParameters();
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, toColumn(args[i]));
        }
        return ps;
    }

    /** Closes the cached statements of {@code c}; call before closing the connection. */
    static void forget(Connection c) {
        Map<String, PreparedStatement> cache = STATEMENTS.remove(c);
        if (cache == null) {
            return;
        }
        for (PreparedStatement ps : cache.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                // the connection is being closed anyway
            }
        }
    }

    private static Object toColumn(Object value) {
        return switch (value) {
            case Instant t -> t.toEpochMilli();
            case TransStatus s -> s.wire();
            case TransType t -> t.wire();
            case null, default -> value;
        };
    }

    /** Rows of the embedded store: times are epoch milliseconds. */
    static final StoreRows ROWS = new StoreRows(Sql::time);

    static GlobalTrans global(ResultSet rs) throws SQLException {
        return ROWS.global(rs);
    }

    static BranchOp branch(ResultSet rs) throws SQLException {
        return ROWS.branch(rs);
    }

    static KvEntry kv(ResultSet rs) throws SQLException {
        return ROWS.kv(rs);
    }

    private static Instant time(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
