package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import java.time.Instant;

/**
 * Filters of the transaction listing; a null field does not filter. Time bounds are inclusive.
 *
 * @param gidPrefix (dtm4j only) gids starting with it
 * @param updateTimeStart, updateTimeEnd (dtm4j only) bounds of the last update
 */
public record GlobalFilter(
        TransStatus status,
        TransType transType,
        Instant createTimeStart,
        Instant createTimeEnd,
        String gidPrefix,
        Instant updateTimeStart,
        Instant updateTimeEnd) {

    /** A filter that keeps every transaction. */
    public static final GlobalFilter ALL = new GlobalFilter(null, null, null, null);

    /** dtm's filters only. */
    public GlobalFilter(TransStatus status, TransType transType, Instant createTimeStart, Instant createTimeEnd) {
        this(status, transType, createTimeStart, createTimeEnd, null, null, null);
    }

    /** Whether {@code g} passes every filter set: for stores that filter as they read. */
    public boolean keeps(GlobalTrans g) {
        return (status == null || g.status() == status)
                && (transType == null || g.transType() == transType)
                && within(g.createTime(), createTimeStart, createTimeEnd)
                && (gidPrefix == null || g.gid().startsWith(gidPrefix))
                && within(g.updateTime(), updateTimeStart, updateTimeEnd);
    }

    private static boolean within(Instant t, Instant start, Instant end) {
        return (start == null || (t != null && !t.isBefore(start))) && (end == null || (t != null && !t.isAfter(end)));
    }
}
