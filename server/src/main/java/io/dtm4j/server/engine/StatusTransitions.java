package io.dtm4j.server.engine;

import static io.dtm4j.protocol.TransStatus.ABORTING;
import static io.dtm4j.protocol.TransStatus.FAILED;
import static io.dtm4j.protocol.TransStatus.PREPARED;
import static io.dtm4j.protocol.TransStatus.SUBMITTED;
import static io.dtm4j.protocol.TransStatus.SUCCEED;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The legal global status changes (docs/protocol.md §8.1), as one table. Finished statuses have no
 * way out. A change not in the table is a bug in a processor, so it fails loudly instead of being
 * written.
 */
public final class StatusTransitions {
    private static final Map<TransStatus, Set<TransStatus>> LEGAL = new EnumMap<>(TransStatus.class);

    static {
        // submit, msg check-back SUCCESS; abort or timeout of tcc/xa; abort of a msg, check-back FAILURE,
        // workflow submit, forceStop
        LEGAL.put(PREPARED, EnumSet.of(SUBMITTED, ABORTING, FAILED, SUCCEED));
        // all forward work done; saga failure, timeout or retry limit; forceStop
        LEGAL.put(SUBMITTED, EnumSet.of(SUCCEED, ABORTING, FAILED));
        // all rollback work done, forceStop
        LEGAL.put(ABORTING, EnumSet.of(FAILED));
        LEGAL.put(SUCCEED, EnumSet.noneOf(TransStatus.class));
        LEGAL.put(FAILED, EnumSet.noneOf(TransStatus.class));
    }

    private StatusTransitions() {}

    public static boolean isLegal(TransStatus from, TransStatus to) {
        return LEGAL.get(from).contains(to);
    }

    /** Returns every legal (from, to) pair, for tests and the generated diagram. */
    public static Map<TransStatus, Set<TransStatus>> table() {
        return Map.copyOf(LEGAL);
    }

    static void check(TransType type, TransStatus from, TransStatus to) {
        if (!isLegal(from, to)) {
            throw new IllegalStateException(
                    "illegal status change of a " + type + " transaction: " + from + " -> " + to);
        }
    }
}
