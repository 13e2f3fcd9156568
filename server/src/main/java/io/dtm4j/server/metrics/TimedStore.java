package io.dtm4j.server.metrics;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A store that times its writes into {@code dtm4j_store_write_seconds{op}} and the size of its
 * claims into {@code dtm4j_claim_batch_size}; reads pass straight through. Every method forwards,
 * defaults included, so the store's own implementations (ordered writes, atomic reads) stay in use.
 */
public final class TimedStore implements Store {
    private static final AttributeKey<Double> DURATION_MS = AttributeKey.doubleKey("dtm.duration_ms");

    private final Store store;
    private final Metrics metrics;
    private final boolean spanEvents;

    /**
     * @param spanEvents whether each write is also an event ({@code store <op>}, with its duration) of
     *     the span current in the writing thread: a round's (Tracing.StoreEvents)
     */
    public TimedStore(Store store, Metrics metrics, boolean spanEvents) {
        this.store = store;
        this.metrics = metrics;
        this.spanEvents = spanEvents;
    }

    private <T> T timed(String op, Supplier<T> write) {
        long start = System.nanoTime();
        try {
            return write.get();
        } finally {
            long nanos = System.nanoTime() - start;
            metrics.storeWrite(op, nanos / 1e9);
            if (spanEvents) {
                Span.current().addEvent("store " + op, Attributes.of(DURATION_MS, nanos / 1e6));
            }
        }
    }

    @Override
    public void ping() {
        store.ping();
    }

    @Override
    public Optional<GlobalTrans> findGlobal(String gid) {
        return store.findGlobal(gid);
    }

    @Override
    public Page<GlobalTrans> scanGlobals(String position, int limit, GlobalFilter filter) {
        return store.scanGlobals(position, limit, filter);
    }

    @Override
    public List<BranchOp> findBranches(String gid) {
        return store.findBranches(gid);
    }

    @Override
    public Optional<StoredTrans> findTrans(String gid) {
        return store.findTrans(gid);
    }

    @Override
    public boolean saveNew(GlobalTrans global, List<BranchOp> branches) {
        return timed("save_new", () -> store.saveNew(global, branches));
    }

    @Override
    public AppendResult appendBranches(String gid, TransStatus expected, List<BranchOp> branches) {
        return timed("append_branches", () -> store.appendBranches(gid, expected, branches));
    }

    @Override
    public boolean updateBranchStatus(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        return timed("update_branch", () -> store.updateBranchStatus(gid, branchId, op, status, now, owner));
    }

    @Override
    public void updateBranchStatusOrdered(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        store.updateBranchStatusOrdered(gid, branchId, op, status, now, owner); // buffered: nothing to time
    }

    @Override
    public void flush() {
        timed("flush", () -> {
            store.flush();
            return null;
        });
    }

    @Override
    public boolean changeGlobalStatus(String gid, StatusChange change) {
        return timed("change_status", () -> store.changeGlobalStatus(gid, change));
    }

    @Override
    public boolean touchCronTime(
            String gid, TransStatus expected, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        return timed("touch_cron", () -> store.touchCronTime(gid, expected, owner, intervalSeconds, nextCronTime, now));
    }

    @Override
    public List<GlobalTrans> claimDue(
            Instant dueBy, Instant leaseUntil, String owner, int limit, Instant now, Predicate<String> mayClaim) {
        List<GlobalTrans> claimed =
                timed("claim", () -> store.claimDue(dueBy, leaseUntil, owner, limit, now, mayClaim));
        metrics.claimed(claimed.size());
        return claimed;
    }

    @Override
    public long countDue(Instant dueBy) {
        return store.countDue(dueBy);
    }

    @Override
    public Map<TransStatus, StatusCount> countByStatus(long cap) {
        return store.countByStatus(cap);
    }

    @Override
    public ResetResult resetCronTime(Instant after, int limit, Instant now) {
        return timed("reset_cron", () -> store.resetCronTime(after, limit, now));
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return timed("reset_cron", () -> store.resetNextCronTime(gid, now));
    }

    @Override
    public int deleteFinished(Instant finishedBefore, int limit) {
        return timed("delete_finished", () -> store.deleteFinished(finishedBefore, limit));
    }

    @Override
    public Page<KvEntry> scanKv(String cat, String position, int limit) {
        return store.scanKv(cat, position, limit);
    }

    @Override
    public List<KvEntry> findKv(String cat, String key) {
        return store.findKv(cat, key);
    }

    @Override
    public boolean createKv(String cat, String key, String value, Instant now) {
        return timed("kv", () -> store.createKv(cat, key, value, now));
    }

    @Override
    public boolean updateKv(String cat, String key, String value, long expectedVersion, Instant now) {
        return timed("kv", () -> store.updateKv(cat, key, value, expectedVersion, now));
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return timed("kv", () -> store.deleteKv(cat, key));
    }

    @Override
    public void close() {
        store.close();
    }
}
