package io.dtm4j.server.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server nodes sharing a store (docs/operations.md#nodes): each node keeps a kv entry (category
 * {@value #CATEGORY}, key its id) with its address, version, start time, last heartbeat and rounds in
 * progress, rewritten every {@link #HEARTBEAT} and removed when it stops. A node whose heartbeat is
 * older than {@link #ALIVE} is listed as not alive (killed, paused, cut off); after {@link #FORGET}
 * its entry is dropped by whoever lists.
 */
public final class Nodes {
    public static final String CATEGORY = "dtm4j_nodes";
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    public static final Duration ALIVE = Duration.ofSeconds(30);
    public static final Duration FORGET = Duration.ofHours(1);

    private static final Logger log = LoggerFactory.getLogger(Nodes.class);

    /**
     * One node as its entry holds it.
     *
     * @param host the host name the node runs on
     * @param startedAt, heartbeatAt ISO-8601 instants of the node's clock
     */
    public record Node(
            @JsonProperty("id") String id,
            @JsonProperty("host") String host,
            @JsonProperty("http_port") int httpPort,
            @JsonProperty("grpc_port") int grpcPort,
            @JsonProperty("version") String version,
            @JsonProperty("pid") long pid,
            @JsonProperty("started_at") String startedAt,
            @JsonProperty("heartbeat_at") String heartbeatAt,
            @JsonProperty("rounds_in_progress") int roundsInProgress) {}

    /** A listed node: its entry and whether its heartbeat is recent. */
    public record Listed(Node node, boolean alive) {}

    private final Store store;
    private final ObjectMapper json;
    private final Clock clock;
    private final IntSupplier rounds;
    /** This node once it listens ({@link #join}); null before. */
    private volatile Node self;
    /** The version of this node's entry; 0 before it exists. */
    private long version;

    /** @param rounds the rounds in progress on this node now */
    public Nodes(Store store, ObjectMapper json, Clock clock, IntSupplier rounds) {
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.rounds = rounds;
    }

    /**
     * Makes {@code node} this node and writes its first entry; its heartbeat and rounds are filled
     * in at each beat.
     */
    public void join(Node node) {
        self = node;
        beatQuietly();
    }

    /** Writes this node's entry with the time and the rounds in progress now; nothing before {@link #join}. */
    public synchronized void beat() {
        Node self = this.self;
        if (self == null) {
            return;
        }
        Instant now = clock.instant();
        Node current = new Node(
                self.id(),
                self.host(),
                self.httpPort(),
                self.grpcPort(),
                self.version(),
                self.pid(),
                self.startedAt(),
                now.toString(),
                rounds.getAsInt());
        String value = write(current);
        if (version > 0 && store.updateKv(CATEGORY, self.id(), value, version, now)) {
            version++;
        } else if (store.createKv(CATEGORY, self.id(), value, now)) {
            version = 1;
        } else { // dropped as stale while this node was paused, or the version moved: take the stored one
            version = store.findKv(CATEGORY, self.id()).stream()
                    .mapToLong(KvEntry::version)
                    .findFirst()
                    .orElse(0);
            if (version > 0 && store.updateKv(CATEGORY, self.id(), value, version, now)) {
                version++;
            }
        }
    }

    /** {@link #beat}, logging instead of throwing: a store outage must not stop the heartbeat timer. */
    public void beatQuietly() {
        try {
            beat();
        } catch (RuntimeException e) {
            log.warn("node heartbeat not written: {}", e.toString());
        }
    }

    /** Every node with an entry, this one first, then by start time; entries older than FORGET are dropped. */
    public List<Listed> list() {
        Instant now = clock.instant();
        List<Listed> result = new ArrayList<>();
        String position = "";
        do {
            Page<KvEntry> page = store.scanKv(CATEGORY, position, 100);
            for (KvEntry e : page.items()) {
                Node node = read(e.value());
                Instant beat = node == null ? e.updateTime() : Instant.parse(node.heartbeatAt());
                if (beat.isBefore(now.minus(FORGET))) {
                    store.deleteKv(CATEGORY, e.key());
                } else if (node != null) {
                    result.add(new Listed(node, !beat.isBefore(now.minus(ALIVE))));
                }
            }
            position = page.nextPosition();
        } while (!position.isEmpty());
        String selfId = self == null ? "" : self.id();
        result.sort(Comparator.comparing((Listed l) -> !l.node().id().equals(selfId))
                .thenComparing(l -> l.node().startedAt()));
        return result;
    }

    /** Removes this node's entry: it stops. */
    public synchronized void leave() {
        Node self = this.self;
        if (self == null) {
            return;
        }
        try {
            store.deleteKv(CATEGORY, self.id());
        } catch (RuntimeException e) {
            log.warn("node entry not removed (it is forgotten after {}): {}", FORGET, e.toString());
        }
    }

    private String write(Node node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Node read(String value) {
        try {
            return json.readValue(value, Node.class);
        } catch (JsonProcessingException | RuntimeException e) {
            return null; // not ours to read (a newer version's shape): left until forgotten
        }
    }
}
