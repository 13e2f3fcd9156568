package io.dtm4j.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.server.Dtm4jServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A business service on loopback that speaks JSON-RPC at {@code /api/json-rpc}: it records every
 * call and answers per method with scripted one-shot replies for a gid (read from {@code
 * params.gid}), then with a success whose result is {@code {}}.
 */
public final class JsonRpcStub implements AutoCloseable {

    /**
     * One reply: a JSON-RPC error code (null for success), or a raw HTTP answer when {@code
     * httpStatus} is not 200.
     */
    public record Reply(Integer code, String message, int httpStatus, String rawBody) {
        public static final Reply SUCCESS = new Reply(null, null, 200, null);
        /** dtm's code for a definitive business failure. */
        public static final Reply FAILURE = new Reply(-32901, "insufficient balance", 200, null);
        /** dtm's code for an operation that is not finished. */
        public static final Reply ONGOING = new Reply(-32902, "not finished yet", 200, null);
        /** Any other JSON-RPC error, as dtm's test business service sends it. */
        public static final Reply OTHER = new Reply(-23977, "something went wrong", 200, null);

        public static Reply http(int status, String body) {
            return new Reply(null, null, status, body);
        }
    }

    /** One recorded call: the JSON-RPC envelope and the request headers (names in lower case). */
    public record Call(String path, String query, JsonNode envelope, Map<String, String> headers) {
        public String method() {
            return envelope.path("method").asText();
        }

        public JsonNode params() {
            return envelope.path("params");
        }

        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final ObjectMapper json = Dtm4jServer.jsonMapper();
    private final HttpServer server;
    private final Map<String, Deque<Reply>> scripts = new ConcurrentHashMap<>();
    private final CallLog<Call> calls = new CallLog<>(
            c -> c.params().path("gid").asText(),
            c -> c.method() + " " + c.params().path("op").asText());

    public JsonRpcStub() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/api/json-rpc", this::handle);
        server.start();
    }

    /** Returns the URL of {@code method} as dtm's SDK users write it, {@code http://…/api/json-rpc?method=…}. */
    public String url(String method) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/json-rpc?method=" + method;
    }

    /** Queues one-shot replies of {@code method} for calls of {@code gid}. */
    public JsonRpcStub scriptFor(String gid, String method, Reply... replies) {
        var queue = scripts.computeIfAbsent(gid + "/" + method, k -> new ArrayDeque<>());
        synchronized (queue) {
            queue.addAll(List.of(replies));
        }
        return this;
    }

    /** Returns every recorded call, in arrival order. */
    public List<Call> calls() {
        return calls.all();
    }

    /** Returns the recorded calls of {@code gid}, in arrival order. */
    public List<Call> calls(String gid) {
        return calls.of(gid);
    }

    /** Returns "method op" for each call of {@code gid}, e.g. {@code [TransIn confirm, TransOut confirm]}. */
    public List<String> trail(String gid) {
        return calls.trail(gid);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), v.get(0)));
        JsonNode envelope;
        try {
            envelope = json.readTree(body);
        } catch (IOException e) {
            envelope = json.createObjectNode().put("unparsed", new String(body, StandardCharsets.UTF_8));
        }
        Call call = new Call(ex.getRequestURI().getPath(), ex.getRequestURI().getRawQuery(), envelope, headers);
        calls.add(call);
        Reply reply = next(call.params().path("gid").asText(), call.method());
        int status = reply.httpStatus();
        String answer = reply.rawBody() != null ? reply.rawBody() : answer(call.envelope(), reply);
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String answer(JsonNode request, Reply reply) {
        ObjectNode n = json.createObjectNode().put("jsonrpc", "2.0");
        n.set("id", request.path("id"));
        if (reply.code() == null) {
            n.putObject("result");
        } else {
            n.putObject("error").put("code", reply.code()).put("message", reply.message());
        }
        return n.toString();
    }

    private Reply next(String gid, String method) {
        Deque<Reply> queue = scripts.get(gid + "/" + method);
        if (queue != null) {
            synchronized (queue) {
                Reply r = queue.poll();
                if (r != null) {
                    return r;
                }
            }
        }
        return Reply.SUCCESS;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
