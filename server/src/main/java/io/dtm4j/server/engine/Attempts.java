package io.dtm4j.server.engine;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last unsuccessful calls of each branch (docs/operations.md#attempts): what an operator needs
 * to see why a transaction is stuck. One kv entry per transaction (category {@value #CATEGORY}, key
 * gid) maps {@code "<branch id> <op>"} to its last {@value #PER_BRANCH} failed, ongoing or erroneous
 * calls. Successful calls write nothing, so a transaction that never fails costs nothing here; an
 * entry whose transaction is gone is removed by {@link #prune}.
 */
public final class Attempts {
    public static final String CATEGORY = "dtm4j_attempts";
    static final int PER_BRANCH = 5;
    static final int BRANCHES = 50;
    static final int ERROR_CHARS = 500;

    private static final Logger log = LoggerFactory.getLogger(Attempts.class);
    private static final TypeReference<LinkedHashMap<String, List<Attempt>>> SHAPE = new TypeReference<>() {};

    /**
     * One call.
     *
     * @param at when it was made, ISO-8601
     * @param ms how long it took
     * @param outcome failure, ongoing or error
     * @param error what the service answered, or why there was no answer (cut at 500 characters)
     */
    public record Attempt(
            @JsonProperty("at") String at,
            @JsonProperty("ms") long ms,
            @JsonProperty("outcome") String outcome,
            @JsonProperty("error") String error) {}

    private final Store store;
    private final ObjectMapper json;

    public Attempts(Store store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /** Adds a call to the history of {@code branch} of {@code gid}; a store error is logged, never thrown. */
    void record(String gid, String branch, Instant at, long ms, String outcome, String error) {
        String text = error == null ? "" : error.length() > ERROR_CHARS ? error.substring(0, ERROR_CHARS) + "…" : error;
        Attempt attempt = new Attempt(at.toString(), ms, outcome, text);
        try {
            for (int tries = 0; tries < 5; tries++) { // concurrent branches of one round may race
                Optional<KvEntry> old = store.findKv(CATEGORY, gid).stream().findFirst();
                Map<String, List<Attempt>> history =
                        old.map(e -> read(e.value())).orElseGet(LinkedHashMap::new);
                add(history, branch, attempt);
                String value = write(history);
                boolean written = old.isPresent()
                        ? store.updateKv(CATEGORY, gid, value, old.get().version(), at)
                        : store.createKv(CATEGORY, gid, value, at);
                if (written) {
                    return;
                }
            }
            log.warn("gid {}: attempt of branch {} not recorded: the entry kept changing", gid, branch);
        } catch (RuntimeException e) {
            log.warn("gid {}: attempt of branch {} not recorded: {}", gid, branch, e.toString());
        }
    }

    private static void add(Map<String, List<Attempt>> history, String branch, Attempt attempt) {
        List<Attempt> calls = new ArrayList<>(history.getOrDefault(branch, List.of()));
        calls.add(attempt);
        if (calls.size() > PER_BRANCH) {
            calls.subList(0, calls.size() - PER_BRANCH).clear();
        }
        history.remove(branch); // re-added last: the most recently failing branch is kept longest
        history.put(branch, calls);
        var oldest = history.keySet().iterator();
        while (history.size() > BRANCHES) {
            oldest.next();
            oldest.remove();
        }
    }

    /** The history of {@code gid}: branch ({@code "01 action"}) to its last calls, oldest first. */
    public Map<String, List<Attempt>> of(String gid) {
        return store.findKv(CATEGORY, gid).stream()
                .findFirst()
                .map(e -> read(e.value()))
                .orElseGet(LinkedHashMap::new);
    }

    /** Removes the histories whose transaction is no longer stored; returns how many. */
    public int prune() {
        int removed = 0;
        String position = "";
        do {
            Page<KvEntry> page = store.scanKv(CATEGORY, position, 100);
            for (KvEntry e : page.items()) {
                if (store.findGlobal(e.key()).isEmpty() && store.deleteKv(CATEGORY, e.key())) {
                    removed++;
                }
            }
            position = page.nextPosition();
        } while (!position.isEmpty());
        return removed;
    }

    private Map<String, List<Attempt>> read(String value) {
        try {
            return json.readValue(value, SHAPE);
        } catch (JsonProcessingException e) {
            return new LinkedHashMap<>(); // unreadable: started again
        }
    }

    private String write(Map<String, List<Attempt>> history) {
        try {
            return json.writeValueAsString(history);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
