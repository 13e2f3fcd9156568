package io.dtm4j.server.topic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Topics of the msg fan-out (docs/protocol.md §10): subscriptions live in the kv category {@code
 * topics}, one entry per topic whose value is the JSON array of subscribers. A cache of topic → URLs
 * serves message expansion; it is refreshed periodically (other nodes' changes) and right after this
 * node's own changes. Unlike dtm, deleted topics are evicted from the cache (docs/protocol.md §20.10).
 * A refused change throws {@link TopicException}.
 */
public final class Topics {
    public static final String CATEGORY = "topics";
    private static final TypeReference<List<Subscriber>> SUBSCRIBERS = new TypeReference<>() {};

    /** One subscriber of a topic, as stored in the kv value. */
    public record Subscriber(String url, String remark) {}

    private final Store store;
    private final Clock clock;
    private final ObjectMapper json;
    private volatile Map<String, List<String>> cache = Map.of();

    public Topics(Store store, Clock clock, ObjectMapper json) {
        this.store = store;
        this.clock = clock;
        this.json = json;
    }

    /** Returns the subscriber URLs of {@code topic} from the cache; empty when unknown. */
    public List<String> subscribers(String topic) {
        return cache.getOrDefault(topic, List.of());
    }

    /** Reloads every topic from the store. */
    public void refresh() {
        Map<String, List<String>> fresh = new ConcurrentHashMap<>();
        for (KvEntry e : store.findKv(CATEGORY, "")) {
            fresh.put(e.key(), parse(e).stream().map(Subscriber::url).toList());
        }
        cache = Map.copyOf(fresh);
    }

    public void subscribe(String topic, String url, String remark) {
        requireNonEmpty(topic, url);
        List<KvEntry> found = store.findKv(CATEGORY, topic);
        if (found.isEmpty()) {
            if (!store.createKv(CATEGORY, topic, write(List.of(new Subscriber(url, remark))), clock.instant())) {
                throw new TopicException("topic '" + topic + "' was created concurrently, please retry");
            }
        } else {
            KvEntry entry = found.get(0);
            List<Subscriber> subs = new ArrayList<>(parse(entry));
            if (subs.stream().anyMatch(s -> s.url().equals(url))) {
                throw new TopicException("this url exists");
            }
            subs.add(new Subscriber(url, remark));
            update(entry, subs);
        }
        refresh();
    }

    public void unsubscribe(String topic, String url) {
        requireNonEmpty(topic, url);
        List<KvEntry> found = store.findKv(CATEGORY, topic);
        if (found.isEmpty()) {
            throw new TopicException("no such a topic");
        }
        KvEntry entry = found.get(0);
        List<Subscriber> subs = new ArrayList<>(parse(entry));
        if (subs.isEmpty()) {
            throw new TopicException("this topic is empty");
        }
        if (!subs.removeIf(s -> s.url().equals(url))) {
            throw new TopicException("no such an url ");
        }
        update(entry, subs);
        refresh();
    }

    public void delete(String topic) {
        if (!store.deleteKv(CATEGORY, topic)) {
            throw new TopicException("no such a topic: " + topic);
        }
        refresh();
    }

    private void update(KvEntry entry, List<Subscriber> subs) {
        if (!store.updateKv(CATEGORY, entry.key(), write(subs), entry.version(), clock.instant())) {
            throw new TopicException("topic '" + entry.key() + "' was changed concurrently, please retry");
        }
    }

    private static void requireNonEmpty(String topic, String url) {
        if (topic == null || topic.isEmpty()) {
            throw new TopicException("empty topic");
        }
        if (url == null || url.isEmpty()) {
            throw new TopicException("empty url");
        }
    }

    private List<Subscriber> parse(KvEntry e) {
        try {
            List<Subscriber> subs = json.readValue(e.value(), SUBSCRIBERS);
            return subs == null ? List.of() : subs;
        } catch (JsonProcessingException ex) {
            throw new TopicException(
                    "topic '" + e.key() + "' has an unreadable subscriber list: " + ex.getOriginalMessage());
        }
    }

    private String write(List<Subscriber> subs) {
        try {
            return json.writeValueAsString(subs);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
