package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Maps rows of dtm's tables to the store records, for every SQL-shaped store; each store says how
 * it reads a time column (epoch millis in the embedded store, timestamps in PostgreSQL/MySQL).
 */
public final class StoreRows {

    /** Reads one time column; null when the column is NULL. */
    @FunctionalInterface
    public interface TimeColumn {
        Instant read(ResultSet rs, String column) throws SQLException;
    }

    private final TimeColumn time;

    public StoreRows(TimeColumn time) {
        this.time = time;
    }

    public GlobalTrans global(ResultSet rs) throws SQLException {
        return new GlobalTrans(
                rs.getLong("id"),
                rs.getString("gid"),
                transType(rs.getString("trans_type")),
                status(rs.getString("status")),
                rs.getString("query_prepared"),
                rs.getString("protocol"),
                time.read(rs, "create_time"),
                time.read(rs, "update_time"),
                time.read(rs, "finish_time"),
                time.read(rs, "rollback_time"),
                rs.getString("options"),
                rs.getString("custom_data"),
                rs.getLong("next_cron_interval"),
                time.read(rs, "next_cron_time"),
                rs.getString("owner"),
                rs.getString("ext_data"),
                rs.getString("result"),
                rs.getString("rollback_reason"));
    }

    public BranchOp branch(ResultSet rs) throws SQLException {
        return new BranchOp(
                rs.getLong("id"),
                rs.getString("gid"),
                rs.getString("url"),
                rs.getBytes("bin_data"),
                rs.getString("branch_id"),
                rs.getString("op"),
                status(rs.getString("status")),
                time.read(rs, "finish_time"),
                time.read(rs, "rollback_time"),
                time.read(rs, "create_time"),
                time.read(rs, "update_time"));
    }

    public KvEntry kv(ResultSet rs) throws SQLException {
        return new KvEntry(
                rs.getLong("id"),
                rs.getString("cat"),
                rs.getString("k"),
                rs.getString("v"),
                rs.getLong("version"),
                time.read(rs, "create_time"),
                time.read(rs, "update_time"));
    }

    /** Returns a page of rows read newest first; the cursor is the last row's id. */
    public static <T> Page<T> page(List<T> rows, int limit, ToLongFunction<T> id) {
        String next = rows.isEmpty() || rows.size() < limit ? "" : Long.toString(id.applyAsLong(rows.getLast()));
        return new Page<>(rows, next);
    }

    private static TransStatus status(String wire) throws SQLException {
        return TransStatus.fromWire(wire).orElseThrow(() -> new SQLException("unknown status in the store: " + wire));
    }

    private static TransType transType(String wire) throws SQLException {
        return TransType.fromWire(wire)
                .orElseThrow(() -> new SQLException("unknown transaction type in the store: " + wire));
    }
}
