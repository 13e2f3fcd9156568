package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Branch status writes accepted by {@link Store#updateBranchStatusOrdered} and not written yet,
 * per gid, for stores that carry them into the gid's next synchronous write (one database
 * transaction or one script instead of one per branch).
 *
 * <p>Ordering: every synchronous write of a gid runs through {@link #carry}, which holds the gid's
 * lock from taking the pending writes until the write has returned. So a write of a gid issued
 * after an ordered write of that gid returned either carries it or starts after the write that
 * carried it has committed. Gids without pending writes or a carrier in progress have no entry and
 * cost one map lookup.
 *
 * <p>Lag: a background thread writes those pending for longer than {@code maxLag} (a round whose
 * next write waits on a slow branch), so that what the query API shows, and what a crash can lose,
 * stays recent.
 */
public final class PendingBranchWrites implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PendingBranchWrites.class);

    /** One buffered branch status write, with the claim token it was issued under (null = unfenced). */
    public record Write(String gid, String branchId, String op, TransStatus status, Instant now, String owner) {

        /** Whether this write may be applied while the transaction's owner is {@code currentOwner}. */
        public boolean allowedFor(String currentOwner) {
            return owner == null || owner.equals(currentOwner);
        }
    }

    /** A synchronous write that receives the gid's pending writes, in the order they were issued. */
    @FunctionalInterface
    public interface Carrier<T> {
        T write(List<Write> pending);
    }

    private static final class Slot {
        final ReentrantLock lock = new ReentrantLock();
        /** Guarded by the map's per-key compute, as is {@link #users}. */
        final List<Write> writes = new ArrayList<>();
        /** Carriers holding or waiting for {@link #lock}: the slot stays while one does. */
        int users;
        /** {@link System#nanoTime} when {@link #writes} last became non-empty. */
        volatile long since;
    }

    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final Carrier<?> writer;
    private final Thread lagWriter;
    private volatile boolean closed;

    /**
     * @param writer writes one gid's pending writes (all of one gid, in order), for {@link #flush} and
     *     the lag bound
     */
    public PendingBranchWrites(String name, Duration maxLag, Carrier<?> writer) {
        this.writer = writer;
        long lagNanos = maxLag.toNanos();
        lagWriter = Thread.ofVirtual().name(name + "-branch-lag").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(maxLag.dividedBy(2)); // a polling period, not a wait for a result
                    long now = System.nanoTime();
                    for (var e : slots.entrySet()) {
                        if (now - e.getValue().since >= lagNanos) {
                            carry(e.getKey(), pending -> pending.isEmpty() ? null : writer.write(pending));
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn(
                            "writing branch statuses that waited more than {} ms failed: {}",
                            maxLag.toMillis(),
                            e.getMessage());
                }
            }
        });
    }

    /** Buffers {@code write} behind the earlier pending writes of its gid. */
    public void add(Write write) {
        slots.compute(write.gid(), (gid, slot) -> {
            Slot s = slot != null ? slot : new Slot();
            if (s.writes.isEmpty()) {
                s.since = System.nanoTime();
            }
            s.writes.add(write);
            return s;
        });
    }

    /**
     * Runs {@code carrier} with the pending writes of {@code gid} (possibly none), in order with the
     * gid's other carriers. When it throws, the writes it was given are put back in front, so a later
     * write or {@link #flush} tries them again (a branch status write is idempotent).
     */
    public <T> T carry(String gid, Carrier<T> carrier) {
        Slot slot = slots.computeIfPresent(gid, (g, s) -> {
            s.users++;
            return s;
        });
        if (slot == null) {
            return carrier.write(List.of());
        }
        slot.lock.lock();
        try {
            List<Write> taken = new ArrayList<>();
            slots.computeIfPresent(gid, (g, s) -> {
                taken.addAll(s.writes);
                s.writes.clear();
                return s;
            });
            try {
                return carrier.write(taken);
            } catch (RuntimeException e) {
                slots.computeIfPresent(gid, (g, s) -> {
                    if (s.writes.isEmpty()) {
                        s.since = System.nanoTime();
                    }
                    s.writes.addAll(0, taken);
                    return s;
                });
                throw e;
            }
        } finally {
            slot.lock.unlock();
            slots.computeIfPresent(gid, (g, s) -> --s.users == 0 && s.writes.isEmpty() ? null : s);
        }
    }

    /**
     * Writes the pending writes of every gid that has some, each through the writer under its gid's
     * ordering; returns once those issued before this call are written.
     */
    public void flush() {
        for (String gid : List.copyOf(slots.keySet())) {
            carry(gid, pending -> pending.isEmpty() ? null : writer.write(pending));
        }
    }

    /** Stops the lag writer; pending writes stay unwritten (call {@link #flush} first to keep them). */
    @Override
    public void close() {
        closed = true;
        lagWriter.interrupt();
    }
}
