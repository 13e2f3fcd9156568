package io.dtm4j.server.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What operators did through the console (docs/console.md#audit-log): who, what, on what, when, with
 * what result; one kv entry per action (category {@value #CATEGORY}, key time then a random suffix),
 * written by whichever node served the action. The newest {@value #KEEP} are kept.
 */
public final class AuditLog {
    public static final String CATEGORY = "dtm4j_audit";
    static final int KEEP = 1000;

    /** One action. */
    public record Entry(
            @JsonProperty("at") String at,
            @JsonProperty("who") String who,
            @JsonProperty("action") String action,
            @JsonProperty("target") String target,
            @JsonProperty("result") String result) {}

    private final Store store;
    private final ObjectMapper json;
    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();

    public AuditLog(Store store, ObjectMapper json, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
    }

    /** Records an action; durable when this returns. */
    public void record(String who, String action, String target, String result) {
        Instant now = clock.instant();
        // time, then this node's sequence (actions within one millisecond keep their order), then a
        // random suffix (no collision with another node's action)
        String key = "%013d-%012d-%08x"
                .formatted(
                        now.toEpochMilli(),
                        sequence.incrementAndGet(),
                        ThreadLocalRandom.current().nextInt());
        try {
            store.createKv(
                    CATEGORY,
                    key,
                    json.writeValueAsString(new Entry(now.toString(), who, action, target, result)),
                    now);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The newest {@code limit} actions, newest first; entries beyond the newest {@value #KEEP} are removed. */
    public List<Entry> recent(int limit) {
        List<KvEntry> all = new ArrayList<>();
        String position = "";
        do {
            Page<KvEntry> page = store.scanKv(CATEGORY, position, 500);
            all.addAll(page.items());
            position = page.nextPosition();
        } while (!position.isEmpty());
        all.sort(Comparator.comparing(KvEntry::key).reversed());
        for (KvEntry old : all.subList(Math.min(KEEP, all.size()), all.size())) {
            store.deleteKv(CATEGORY, old.key());
        }
        List<Entry> result = new ArrayList<>();
        for (KvEntry e : all.subList(0, Math.min(limit, all.size()))) {
            try {
                result.add(json.readValue(e.value(), Entry.class));
            } catch (JsonProcessingException ex) {
                // not ours to read: skipped
            }
        }
        return result;
    }
}
