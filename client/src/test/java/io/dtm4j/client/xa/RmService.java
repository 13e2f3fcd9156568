package io.dtm4j.client.xa;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.client.HttpResults;
import io.dtm4j.server.testing.CallLog;
import io.dtm4j.server.testing.QueryString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A resource manager on loopback whose endpoints run test code, answering the way a real RM does:
 * 200 on return, else the status and body {@link HttpResults} give for the exception. Records each
 * call as {@code "<endpoint> <op>"} per gid.
 */
public final class RmService implements AutoCloseable {

    /** One endpoint: gets the query parameters and the body, returns the response body (null: SUCCESS). */
    @FunctionalInterface
    public interface Handler {
        /** Serves one call; an exception becomes the answer {@link HttpResults} gives for it. */
        String handle(Map<String, String> query, String body) throws Exception;
    }

    private final HttpServer server;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final CallLog<Map.Entry<String, String>> calls = new CallLog<>(Map.Entry::getKey, Map.Entry::getValue);

    /** Starts the service on a free loopback port. */
    public RmService() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/rm/", this::serve);
        server.start();
    }

    /** Serves endpoint {@code name} with {@code handler}. */
    public RmService route(String name, Handler handler) {
        handlers.put(name, handler);
        return this;
    }

    /** Returns the URL of endpoint {@code name}. */
    public String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/rm/" + name;
    }

    /** Returns {@code "<endpoint> <op>"} for each call of {@code gid}, in arrival order. */
    public List<String> trail(String gid) {
        return calls.trail(gid);
    }

    private void serve(HttpExchange ex) throws IOException {
        String name = ex.getRequestURI().getPath().substring("/rm/".length());
        Map<String, String> query = QueryString.parse(ex.getRequestURI().getRawQuery());
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        calls.add(Map.entry(query.getOrDefault("gid", ""), name + " " + query.get("op")));
        Handler handler = handlers.get(name);
        int status;
        String answer;
        try {
            if (handler == null) {
                throw new IllegalStateException("no endpoint " + name);
            }
            String result = handler.handle(query, body);
            status = 200;
            answer = result == null ? HttpResults.bodyFor(null) : result;
        } catch (Exception e) {
            status = HttpResults.statusFor(e);
            answer = HttpResults.bodyFor(e);
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
