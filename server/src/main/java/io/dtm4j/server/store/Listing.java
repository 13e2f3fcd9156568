package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of the paged listings (transactions, key-value entries), shared by the SQL-shaped stores:
 * newest first by id, after the cursor, with the filters asked for. Arguments are plain values;
 * each store binds them its own way (times, enums).
 *
 * @param sql the statement, with one {@code ?} per argument
 */
public record Listing(String sql, List<Object> args) {

    /**
     * The transaction listing.
     *
     * @param position the id the page starts after, as the client sent it; empty for the first page
     * @throws StoreException when {@code position} is not an id
     */
    public static Listing globals(String position, int limit, GlobalFilter filter) {
        var query = new Builder("trans_global", "scanGlobals", position);
        query.where("status = ?", filter.status());
        query.where("trans_type = ?", filter.transType());
        query.where("create_time >= ?", filter.createTimeStart());
        query.where("create_time <= ?", filter.createTimeEnd());
        query.where("update_time >= ?", filter.updateTimeStart());
        query.where("update_time <= ?", filter.updateTimeEnd());
        // LIKE with an escape character every SQL store takes the same way: the prefix is literal
        query.where(
                "gid LIKE ? ESCAPE '!'",
                filter.gidPrefix() == null ? null : filter.gidPrefix().replaceAll("([!%_])", "!$1") + "%");
        return query.limit(limit);
    }

    /** Runs a count query. */
    @FunctionalInterface
    public interface Counter {
        long count(Listing query) throws SQLException;
    }

    /** {@link Store#countByStatus} of a SQL store: {@code count} runs one {@link #statusCount} query. */
    public static Map<TransStatus, Store.StatusCount> statusCounts(long cap, Counter count) throws SQLException {
        Map<TransStatus, Store.StatusCount> counts = new EnumMap<>(TransStatus.class);
        for (TransStatus status : TransStatus.values()) {
            long n = count.count(statusCount(status, cap));
            counts.put(status, new Store.StatusCount(Math.min(n, cap), n > cap));
        }
        return counts;
    }

    /**
     * One status's count for {@link Store#countByStatus}, stopping at {@code cap + 1}: a range of the
     * (status, next_cron_time) index, however many finished transactions the table holds.
     */
    static Listing statusCount(TransStatus status, long cap) {
        return new Listing(
                "SELECT count(*) FROM (SELECT 1 FROM trans_global WHERE status = ? LIMIT ?) AS counted",
                List.of(status, cap + 1));
    }

    /** The key-value listing of category {@code cat} (empty = every category); see {@link #globals}. */
    public static Listing kv(String cat, String position, int limit) {
        var query = new Builder("kv", "scanKv", position);
        query.where("cat = ?", cat.isEmpty() ? null : cat);
        return query.limit(limit);
    }

    private static final class Builder {
        private final StringBuilder sql;
        private final List<Object> args = new ArrayList<>();

        Builder(String table, String operation, String position) {
            sql = new StringBuilder("SELECT * FROM " + table + " WHERE 1 = 1");
            if (!position.isEmpty()) {
                sql.append(" AND id < ?");
                args.add(cursor(operation, position));
            }
        }

        /** Adds {@code condition} (one {@code ?}) bound to {@code value}, unless {@code value} is null. */
        void where(String condition, Object value) {
            if (value != null) {
                sql.append(" AND ").append(condition);
                args.add(value);
            }
        }

        Listing limit(int limit) {
            sql.append(" ORDER BY id DESC LIMIT ?");
            args.add(limit);
            return new Listing(sql.toString(), List.copyOf(args));
        }

        private static long cursor(String operation, String position) {
            try {
                return Long.parseLong(position);
            } catch (NumberFormatException e) {
                throw new StoreException(operation + ": invalid position '" + position + "'", e);
            }
        }
    }
}
