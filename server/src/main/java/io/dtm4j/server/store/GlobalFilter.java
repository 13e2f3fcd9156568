package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import java.time.Instant;

/**
 * Filters of the transaction listing; a null field does not filter. Time bounds are inclusive.
 */
public record GlobalFilter(TransStatus status, TransType transType, Instant createTimeStart, Instant createTimeEnd) {

    /** A filter that keeps every transaction. */
    public static final GlobalFilter ALL = new GlobalFilter(null, null, null, null);
}
