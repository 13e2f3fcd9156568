package io.dtm4j.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.client.HttpResults;
import io.dtm4j.client.Traces;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tiny HTTP server on a free loopback port for the business endpoints, built on the JDK's {@code
 * com.sun.net.httpserver}. A handler succeeds by returning and signals FAILURE, ONGOING or an error
 * by throwing; the answer follows the protocol's rules ({@link HttpResults}).
 */
final class BusinessServer implements AutoCloseable {
    /** Base path of every endpoint, as in dtm's examples. */
    static final String BASE_PATH = "/api/busi";

    /** One request as a handler sees it: the query parameters and the body text. */
    record Request(Map<String, String> query, String body) {}

    /** A business endpoint. */
    @FunctionalInterface
    interface Handler {
        void handle(Request request) throws Exception;
    }

    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    BusinessServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.setExecutor(executor);
        http.start();
    }

    /** Serves {@code handler} at {@code BASE_PATH/name}. */
    BusinessServer route(String name, Handler handler) {
        http.createContext(BASE_PATH + "/" + name, exchange -> serve(exchange, handler));
        return this;
    }

    /** Returns the URL of endpoint {@code name}, e.g. {@code http://127.0.0.1:41234/api/busi/TransIn}. */
    String url(String name) {
        return "http://" + http.getAddress().getHostString() + ":"
                + http.getAddress().getPort() + BASE_PATH + "/" + name;
    }

    private static void serve(HttpExchange exchange, Handler handler) throws IOException {
        Throwable error = null;
        try (InputStream in = exchange.getRequestBody();
                Scope trace = Traces.join(exchange.getRequestHeaders()::getFirst)) { // the server's call span
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            handler.handle(new Request(query(exchange.getRequestURI().getRawQuery()), body));
        } catch (Exception e) {
            error = e;
        }
        byte[] answer = HttpResults.bodyFor(error).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(HttpResults.statusFor(error), answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            query.putIfAbsent(
                    URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return query;
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
