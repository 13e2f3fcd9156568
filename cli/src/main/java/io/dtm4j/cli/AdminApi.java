package io.dtm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The server's admin routes (docs/protocol.md §3.8, docs/observability.md "Listing, replaying,
 * stopping") over HTTP/1.1 with the JDK's client. Every request carries {@code Authorization: Bearer
 * <token>} when a token is set. A non-200 answer becomes a {@link Failure#refused} with the server's
 * message; no answer at all a {@link Failure#unreachable}. Messages never contain the token.
 */
final class AdminApi implements AutoCloseable {
    static final String DEFAULT_SERVER = "http://localhost:36789";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String base;
    private final String token;
    private final ObjectMapper json;
    private final HttpClient http;

    /**
     * A client of the server at {@code server} ({@code http://host:port}, optionally with a path
     * prefix; the SDK form ending in {@code /api/dtmsvr} is accepted too); {@code token} may be null.
     */
    AdminApi(String server, String token, ObjectMapper json) {
        this.base = normalise(server);
        if (token != null && !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw Failure.usage("the token must be printable ASCII without spaces");
        }
        this.token = token == null || token.isEmpty() ? null : token;
        this.json = json;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /** Returns the server's base URL without user info, trailing slash or {@code /api/dtmsvr}. */
    private static String normalise(String server) {
        String s = server.strip();
        if (!s.contains("://")) {
            s = "http://" + s;
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw Failure.usage("the server address is not a URL: " + server);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw Failure.usage("the server address must be http://host:port or https://host:port, not " + server);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        path = path.replaceAll("/+$", "");
        if (path.endsWith("/api/dtmsvr")) {
            path = path.substring(0, path.length() - "/api/dtmsvr".length());
        }
        return scheme + "://" + uri.getRawAuthority().replaceFirst("^.*@", "") + path;
    }

    /** {@code GET /api/dtmsvr/all}: one page of transactions, newest first. */
    JsonNode all(Map<String, String> filter, String position, int limit) {
        Map<String, String> q = new LinkedHashMap<>(filter);
        q.put("position", position);
        q.put("limit", Integer.toString(limit));
        return get("/api/dtmsvr/all", q);
    }

    /** {@code GET /api/dtmsvr/query}: the transaction (JSON null when unknown) and its branches. */
    JsonNode query(String gid) {
        return get("/api/dtmsvr/query", Map.of("gid", gid));
    }

    /** {@code GET /api/dtm4j/attempts} (dtm4j only): the last unsuccessful calls of each branch. */
    JsonNode attempts(String gid) {
        return get("/api/dtm4j/attempts", Map.of("gid", gid));
    }

    /** {@code GET /api/dtm4j/nodes} (dtm4j only): the server nodes sharing the store. */
    JsonNode nodes() {
        return get("/api/dtm4j/nodes", Map.of());
    }

    /** {@code POST /api/dtmsvr/resetNextCronTime}: the transaction is due now. */
    JsonNode resetNextCronTime(String gid) {
        return post("/api/dtmsvr/resetNextCronTime", json.createObjectNode().put("gid", gid));
    }

    /** {@code POST /api/dtmsvr/forceStop}: the transaction ends {@code failed}, nothing is called. */
    JsonNode forceStop(String gid) {
        return post("/api/dtmsvr/forceStop", json.createObjectNode().put("gid", gid));
    }

    /** {@code GET /api/dtmsvr/scanKV?cat=topics}: one page of topics. */
    JsonNode topics(String position) {
        return get("/api/dtmsvr/scanKV", Map.of("cat", "topics", "position", position, "limit", "100"));
    }

    /** {@code GET /api/dtmsvr/queryKV?cat=topics&key=}: the topic's kv entry, none when unknown. */
    JsonNode topic(String name) {
        return get("/api/dtmsvr/queryKV", Map.of("cat", "topics", "key", name));
    }

    JsonNode subscribe(String topic, String url, String remark) {
        return get("/api/dtmsvr/subscribe", Map.of("topic", topic, "url", url, "remark", remark));
    }

    JsonNode unsubscribe(String topic, String url) {
        return get("/api/dtmsvr/unsubscribe", Map.of("topic", topic, "url", url));
    }

    JsonNode deleteTopic(String topic) {
        String segment = URLEncoder.encode(topic, StandardCharsets.UTF_8).replace("+", "%20");
        return send(request("/api/dtmsvr/topic/" + segment).DELETE());
    }

    /** {@code GET /api/dtm4j/parked}: one page of parked transactions, newest first. */
    JsonNode parked(String position, int limit) {
        return get("/api/dtm4j/parked", Map.of("position", position, "limit", Integer.toString(limit)));
    }

    /** {@code POST /api/dtm4j/parked/replay}: {@code {"results":{gid:"done"|"not_parked"}}}. */
    JsonNode replayParked(List<String> gids) {
        return post("/api/dtm4j/parked/replay", gidsBody(gids));
    }

    /** {@code POST /api/dtm4j/parked/stop}: the same shape as {@link #replayParked}. */
    JsonNode stopParked(List<String> gids) {
        return post("/api/dtm4j/parked/stop", gidsBody(gids));
    }

    private ObjectNode gidsBody(List<String> gids) {
        ObjectNode body = json.createObjectNode();
        gids.forEach(body.putArray("gids")::add);
        return body;
    }

    private JsonNode get(String path, Map<String, String> query) {
        String q = query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(request(path + (q.isEmpty() ? "" : "?" + q)).GET());
    }

    private JsonNode post(String path, JsonNode body) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw Failure.unreachable("cannot reach the server at " + base + ": no connection within "
                    + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw Failure.unreachable(
                    "the server at " + base + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            throw Failure.unreachable("cannot reach the server at " + base + ": " + reason(e));
        } catch (IOException e) {
            throw Failure.unreachable("no answer from the server at " + base + ": " + reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.unreachable("interrupted while waiting for the server at " + base);
        }
        JsonNode body = parse(r.body());
        if (r.statusCode() == 200 && body != null && body.isObject()) {
            return body;
        }
        throw Failure.refused(refusal(r.statusCode(), r.body(), body));
    }

    private JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    /** The message of a refusal: the server's own message, the status, and a hint where one helps. */
    private static String refusal(int status, String text, JsonNode body) {
        String message = body != null && body.path("message").isTextual()
                ? body.path("message").asText()
                : text.strip().replaceAll("\\s+", " ");
        if (message.length() > 500) {
            message = message.substring(0, 500) + "…";
        }
        String what = switch (status) {
            case 200 -> "unreadable answer from the server (HTTP 200)";
            case 401, 403 -> "the server refused the credentials (HTTP " + status + "; check --token or DTM4J_TOKEN)";
            case 404 -> "the server has no such route (HTTP 404; is it a dtm4j server of this version?)";
            default ->
                status >= 500 ? "the server failed (HTTP " + status + ")" : "the server refused (HTTP " + status + ")";
        };
        return message.isEmpty() ? what : what + ": " + message;
    }

    private static String reason(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host";
            }
        }
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return e instanceof ConnectException
                    ? "connection refused"
                    : t.getClass().getSimpleName();
        }
        return m;
    }

    @Override
    public void close() {
        http.close();
    }
}
