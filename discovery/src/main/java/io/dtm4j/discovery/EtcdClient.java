package io.dtm4j.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A small etcd v3 client over the JSON gateway that etcd 3.4+ serves on its client port ({@code
 * /v3/kv/range}, {@code /v3/lease/grant}…; keys and values travel base64-encoded, 64-bit numbers as
 * strings). It needs no gRPC stack of its own, so it cannot clash with the server's gRPC or Netty
 * versions. Hosts are tried in order: a host that cannot be reached passes the request to the next
 * one. Thread-safe; calls block the calling thread.
 */
public final class EtcdClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> hosts;
    private final String user;
    private final String password;
    private final Duration timeout;
    private final HttpClient http;
    /** The host that answered last; requests start there. */
    private volatile int current;
    /** The auth token when the target names a user; refreshed when etcd rejects it. */
    private volatile String token;

    /** A client of the etcd cluster named by {@code target}, with {@code timeout} per request. */
    public EtcdClient(EtcdTarget target, Duration timeout) {
        this.hosts = target.hosts();
        this.user = target.user();
        this.password = target.password();
        this.timeout = timeout;
        // HTTP/1.1: etcd's port multiplexes gRPC and the gateway, and an h2c upgrade attempt has no use here
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    /** The keys under {@code prefix} with their values, and the store revision they were read at. */
    public record Listing(long revision, Map<String, String> values) {}

    /** Lists every key starting with {@code prefix}. */
    public Listing list(String prefix) {
        JsonNode answer = call("/v3/kv/range", range(prefix));
        Map<String, String> values = new LinkedHashMap<>();
        for (JsonNode kv : answer.path("kvs")) {
            values.put(decode(kv.path("key")), decode(kv.path("value")));
        }
        return new Listing(answer.path("header").path("revision").asLong(), values);
    }

    /** Creates a lease of {@code ttlSeconds}; returns its id. */
    public long grant(long ttlSeconds) {
        ObjectNode body = JSON.createObjectNode().put("TTL", ttlSeconds);
        return call("/v3/lease/grant", body).path("ID").asLong();
    }

    /**
     * Renews lease {@code id} once; returns its TTL in seconds from now, or 0 or less when etcd no
     * longer has the lease (it expired, or was revoked).
     */
    public long keepAlive(long id) {
        ObjectNode body = JSON.createObjectNode().put("ID", Long.toString(id));
        return call("/v3/lease/keepalive", body).path("result").path("TTL").asLong(0);
    }

    /** Revokes lease {@code id}, deleting every key attached to it. */
    public void revoke(long id) {
        call("/v3/lease/revoke", JSON.createObjectNode().put("ID", Long.toString(id)));
    }

    /** Sets {@code key} to {@code value}, attached to lease {@code leaseId} (0 = none). */
    public void put(String key, String value, long leaseId) {
        ObjectNode body = JSON.createObjectNode().put("key", encode(key)).put("value", encode(value));
        if (leaseId != 0) {
            body.put("lease", Long.toString(leaseId));
        }
        call("/v3/kv/put", body);
    }

    /** Deletes {@code key}. */
    public void delete(String key) {
        call("/v3/kv/deleterange", JSON.createObjectNode().put("key", encode(key)));
    }

    /** One change seen by a watch: the key, and its new value or null when it was deleted. */
    public record Change(String key, String valueOrNull, long revision) {}

    /**
     * Streams the changes under {@code prefix} from {@code fromRevision} on, calling {@code onChange}
     * for each, until the stream ends or {@code stop} is closed. Returns normally when etcd ends or
     * cancels the watch (e.g. the revision was compacted): the caller lists again and starts anew.
     *
     * @throws EtcdException when etcd cannot be reached or the stream breaks
     */
    public void watch(String prefix, long fromRevision, Consumer<Change> onChange, WatchHandle stop) {
        ObjectNode create = range(prefix).put("start_revision", Long.toString(fromRevision));
        ObjectNode body = JSON.createObjectNode();
        body.set("create_request", create);
        InputStream in = send("/v3/watch", body, true, HttpResponse.BodyHandlers.ofInputStream());
        stop.attach(in);
        try (var lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                JsonNode message = JSON.readTree(line);
                JsonNode result = message.path("result");
                if (message.has("error") || result.path("canceled").asBoolean(false)) {
                    return; // e.g. compacted revision: start again from a fresh listing
                }
                for (JsonNode event : result.path("events")) {
                    JsonNode kv = event.path("kv");
                    boolean deleted = event.path("type").asText("PUT").equals("DELETE");
                    onChange.accept(new Change(
                            decode(kv.path("key")),
                            deleted ? null : decode(kv.path("value")),
                            kv.path("mod_revision").asLong()));
                }
            }
        } catch (IOException e) {
            if (!stop.stopped()) {
                throw new EtcdException("the etcd watch of '" + prefix + "' broke: " + e, e);
            }
        }
    }

    /** Stops a {@link #watch} from another thread by closing its stream. */
    public static final class WatchHandle {
        private InputStream stream;
        private boolean stopped;

        synchronized void attach(InputStream in) {
            stream = in;
            if (stopped) {
                closeQuietly(in);
            }
        }

        synchronized boolean stopped() {
            return stopped;
        }

        /** Ends the watch; it returns soon after. */
        public synchronized void stop() {
            stopped = true;
            if (stream != null) {
                closeQuietly(stream);
            }
        }

        private static void closeQuietly(InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // closing only to end the stream
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }

    private JsonNode call(String path, ObjectNode body) {
        return send(path, body, false, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Sends a request to the current host, moving on to the next hosts when one cannot be reached, and
     * once more after a fresh authentication when etcd rejects the token.
     */
    @SuppressWarnings("unchecked")
    private <T> T send(String path, ObjectNode body, boolean stream, HttpResponse.BodyHandler<?> handler) {
        EtcdException last = null;
        for (int attempt = 0; attempt < hosts.size(); attempt++) {
            int index = (current + attempt) % hosts.size();
            try {
                HttpResponse<?> response = exchange(hosts.get(index), path, body, stream, handler);
                if (response.statusCode() == 401 && !user.isEmpty()) {
                    if (stream) {
                        readAll((InputStream) response.body());
                    }
                    token = null; // expired token: authenticate again, once
                    response = exchange(hosts.get(index), path, body, stream, handler);
                }
                current = index;
                if (response.statusCode() != 200) {
                    String text = stream ? readAll((InputStream) response.body()) : (String) response.body();
                    throw new EtcdException(
                            "etcd " + hosts.get(index) + path + " answered " + response.statusCode() + ": " + text,
                            null);
                }
                return stream ? (T) response.body() : (T) JSON.readTree((String) response.body());
            } catch (IOException e) {
                last = new EtcdException("cannot reach etcd at " + hosts.get(index) + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EtcdException("interrupted while calling etcd " + path, e);
            }
        }
        throw last;
    }

    private HttpResponse<?> exchange(
            String host, String path, ObjectNode body, boolean stream, HttpResponse.BodyHandler<?> handler)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (!stream) {
            request.timeout(timeout); // a watch answers at once, then streams for as long as it lives
        }
        if (!user.isEmpty()) {
            request.header("Authorization", token(host));
        }
        return http.send(request.build(), handler);
    }

    private String token(String host) throws IOException, InterruptedException {
        String t = token;
        if (t == null) {
            ObjectNode body = JSON.createObjectNode().put("name", user).put("password", password);
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + host + "/v3/auth/authenticate"))
                            .timeout(timeout)
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new EtcdException("etcd " + host + " refused user '" + user + "': " + r.body(), null);
            }
            t = JSON.readTree(r.body()).path("token").asText();
            token = t;
        }
        return t;
    }

    private static ObjectNode range(String prefix) {
        String end = Base64.getEncoder().encodeToString(prefixEnd(prefix.getBytes(StandardCharsets.UTF_8)));
        return JSON.createObjectNode().put("key", encode(prefix)).put("range_end", end);
    }

    /** The first key after every key starting with prefix: the prefix with its last byte incremented. */
    static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xff) {
                byte[] end = java.util.Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return new byte[] {0}; // etcd's "every key from here on"
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(JsonNode node) {
        return new String(Base64.getDecoder().decode(node.asText("")), StandardCharsets.UTF_8);
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
