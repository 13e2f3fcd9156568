package io.dtm4j.server.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A business service on loopback that records every call and answers per endpoint: scripted
 * one-shot replies first, then the endpoint's default (SUCCESS unless set).
 */
public final class BusinessStub implements AutoCloseable {

    /** One reply: status and body, optionally after a delay. */
    public record Reply(int status, String body, Duration delay) {
        public static final Reply SUCCESS = new Reply(200, "{\"dtm_result\":\"SUCCESS\"}", Duration.ZERO);
        public static final Reply FAILURE = new Reply(409, "{\"dtm_result\":\"FAILURE\"}", Duration.ZERO);
        public static final Reply ONGOING = new Reply(425, "{\"dtm_result\":\"ONGOING\"}", Duration.ZERO);
        public static final Reply ERROR = new Reply(500, "internal error", Duration.ZERO);

        public static Reply failure(String reason) {
            return new Reply(409, "{\"dtm_result\":\"FAILURE\",\"message\":\"" + reason + "\"}", Duration.ZERO);
        }

        public static Reply slow(Duration delay) {
            return new Reply(200, "{\"dtm_result\":\"SUCCESS\"}", delay);
        }
    }

    /** One recorded call. */
    public record Call(
            String method, String path, Map<String, String> query, Map<String, String> headers, String body) {
        /** Returns the endpoint name: the last path segment, e.g. {@code TransOut}. */
        public String endpoint() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final HttpServer server;
    private final Map<String, Deque<Reply>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Reply> defaults = new ConcurrentHashMap<>();
    private final CallLog<Call> calls = new CallLog<>(
            c -> c.query().get("gid"), c -> c.endpoint() + " " + c.query().get("op"));

    public BusinessStub() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Returns the URL of endpoint {@code name}, e.g. {@code http://127.0.0.1:1234/api/busi/TransOut}. */
    public String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/busi/" + name;
    }

    /** Queues one-shot replies for endpoint {@code name}, used before its default. */
    public BusinessStub script(String name, Reply... replies) {
        var queue = scripts.computeIfAbsent(name, k -> new ArrayDeque<>());
        synchronized (queue) {
            queue.addAll(List.of(replies));
        }
        return this;
    }

    /**
     * Queues one-shot replies for endpoint {@code name} that only calls of {@code gid} use, before
     * the endpoint-wide script; lets tests of one class share endpoint names without racing.
     */
    public BusinessStub scriptFor(String gid, String name, Reply... replies) {
        return script(gid + "/" + name, replies);
    }

    /** Sets the reply of endpoint {@code name} for calls of {@code gid} once its scripts are used up. */
    public BusinessStub alwaysFor(String gid, String name, Reply reply) {
        return always(gid + "/" + name, reply);
    }

    /** Returns the recorded calls of endpoint {@code name}, whatever their gid, in arrival order. */
    public List<Call> callsTo(String name) {
        return calls.all().stream().filter(c -> c.endpoint().equals(name)).toList();
    }

    /** Sets the reply of endpoint {@code name} once its script is used up. */
    public BusinessStub always(String name, Reply reply) {
        defaults.put(name, reply);
        return this;
    }

    public List<Call> calls() {
        return calls.all();
    }

    /** Returns the recorded calls of one gid, in arrival order. */
    public List<Call> calls(String gid) {
        return calls.of(gid);
    }

    /** Returns "endpoint op" for each call of {@code gid}, e.g. {@code [TransOut action, TransIn action]}. */
    public List<String> trail(String gid) {
        return calls.trail(gid);
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
        Call call = new Call(
                ex.getRequestMethod(),
                ex.getRequestURI().getPath(),
                QueryString.parse(ex.getRequestURI().getRawQuery()),
                headers,
                body);
        calls.add(call);
        Reply reply = next(call.query().getOrDefault("gid", ""), call.endpoint());
        if (!reply.delay().isZero()) {
            try {
                Thread.sleep(reply.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Reply next(String gid, String endpoint) {
        for (String key : List.of(gid + "/" + endpoint, endpoint)) {
            Deque<Reply> queue = scripts.get(key);
            if (queue != null) {
                synchronized (queue) {
                    Reply r = queue.poll();
                    if (r != null) {
                        return r;
                    }
                }
            }
        }
        Reply scoped = defaults.get(gid + "/" + endpoint);
        return scoped != null ? scoped : defaults.getOrDefault(endpoint, Reply.SUCCESS);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
