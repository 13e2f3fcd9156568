package io.dtm4j.server.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of the transaction listing, shared by the SQL-shaped stores: newest first by id, after the
 * cursor, with the filters of {@link GlobalFilter}. Arguments are plain values; each store binds
 * them its own way (times, enums).
 *
 * @param sql the statement, with one {@code ?} per argument
 */
public record GlobalListing(String sql, List<Object> args) {

    /**
     * Builds the listing query.
     *
     * @param cursor the id the page starts after, or null for the first page
     */
    public static GlobalListing of(Long cursor, int limit, GlobalFilter filter) {
        StringBuilder sql = new StringBuilder("SELECT * FROM trans_global WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (cursor != null) {
            sql.append(" AND id < ?");
            args.add(cursor);
        }
        if (filter.status() != null) {
            sql.append(" AND status = ?");
            args.add(filter.status());
        }
        if (filter.transType() != null) {
            sql.append(" AND trans_type = ?");
            args.add(filter.transType());
        }
        if (filter.createTimeStart() != null) {
            sql.append(" AND create_time >= ?");
            args.add(filter.createTimeStart());
        }
        if (filter.createTimeEnd() != null) {
            sql.append(" AND create_time <= ?");
            args.add(filter.createTimeEnd());
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(limit);
        return new GlobalListing(sql.toString(), List.copyOf(args));
    }
}
