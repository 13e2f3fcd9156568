package io.dtm4j.server.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record of parked transactions (docs/observability.md#parking). A parked transaction keeps its
 * dtm status; its next_cron_time is {@link #PARKED_UNTIL}, so no node, dtm's included, claims it, and
 * a kv entry (category {@value #CATEGORY}, key gid) says why. The entry is written before the
 * transaction is pushed out and removed after a replay has made it due again, so a crash in between
 * leaves at worst an entry whose transaction is not parked: such stale entries are dropped when read,
 * once older than {@link #GRACE} (a younger one may belong to a round parking it right now).
 */
public final class Parking {
    public static final String CATEGORY = "dtm4j_parked";
    /** The next_cron_time of a parked transaction: within every store's range (MySQL's DATETIME ends at 9999). */
    public static final Instant PARKED_UNTIL = Instant.parse("9000-01-01T00:00:00Z");

    /**
     * Why and when a transaction was parked: the kv value, as JSON.
     *
     * @param branch the URL whose failure spent the budget
     * @param error what that call returned
     * @param retries consecutive failures counted then
     * @param parkedAt when, as an ISO-8601 instant
     */
    public record Mark(
            @JsonProperty("reason") String reason,
            @JsonProperty("branch") String branch,
            @JsonProperty("error") String error,
            @JsonProperty("retries") long retries,
            @JsonProperty("parked_at") String parkedAt) {

        public Mark(String reason, String branch, String error, long retries, Instant parkedAt) {
            this(reason, branch, error, retries, parkedAt.toString());
        }
    }

    /** A parked transaction with its mark. */
    public record Parked(GlobalTrans global, Mark mark) {}

    /** How long an entry whose transaction is not parked is left alone before it counts as stale. */
    static final Duration GRACE = Duration.ofMinutes(1);

    private final Store store;
    private final ObjectMapper json;
    private final Clock clock;

    public Parking(Store store, ObjectMapper json, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    /** Whether {@code g} is parked as the stores see it: unfinished and pushed out to {@link #PARKED_UNTIL}. */
    public static boolean isParked(GlobalTrans g) {
        return !g.status().isFinished()
                && g.nextCronTime() != null
                && !g.nextCronTime().isBefore(PARKED_UNTIL);
    }

    /** Records (or replaces) the mark of {@code gid}; durable when this returns. */
    void mark(String gid, Mark mark, Instant now) { // now: the kv row's times
        String value = write(mark);
        while (!store.createKv(CATEGORY, gid, value, now)) {
            Optional<KvEntry> old = store.findKv(CATEGORY, gid).stream().findFirst();
            if (old.isPresent()
                    && store.updateKv(CATEGORY, gid, value, old.get().version(), now)) {
                return;
            }
        }
    }

    /** Drops the mark of {@code gid}, if any. */
    void forget(String gid) {
        store.deleteKv(CATEGORY, gid);
    }

    /**
     * Returns up to {@code limit} parked transactions, newest marks first, starting after the cursor
     * {@code position}; stale marks met on the way are deleted.
     */
    public Page<Parked> list(String position, int limit) {
        Page<KvEntry> page = store.scanKv(CATEGORY, position, limit);
        List<Parked> items = new ArrayList<>();
        for (KvEntry e : page.items()) {
            parked(e).ifPresent(items::add);
        }
        return new Page<>(items, page.nextPosition());
    }

    /** The mark of {@code gid} if it is parked now. */
    public Optional<Mark> markOf(String gid) {
        return store.findKv(CATEGORY, gid).stream()
                .findFirst()
                .flatMap(this::parked)
                .map(Parked::mark);
    }

    /** Counts the marks (a stale one counts until it is read). */
    public long count() {
        return store.findKv(CATEGORY, "").size();
    }

    private Optional<Parked> parked(KvEntry e) {
        Optional<GlobalTrans> g = store.findGlobal(e.key()).filter(Parking::isParked);
        if (g.isEmpty()) {
            if (e.updateTime().plus(GRACE).isBefore(clock.instant())) {
                forget(e.key());
            }
            return Optional.empty();
        }
        try {
            return Optional.of(new Parked(g.get(), json.readValue(e.value(), Mark.class)));
        } catch (JsonProcessingException x) {
            Mark unreadable = new Mark("unreadable mark: " + e.value(), "", "", 0, e.updateTime());
            return Optional.of(new Parked(g.get(), unreadable));
        }
    }

    private String write(Mark mark) {
        try {
            return json.writeValueAsString(mark);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
