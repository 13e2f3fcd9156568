package io.dtm4j.faults.bank;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.client.HttpResults;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The bank over HTTP on {@code 127.0.0.1:port}, one virtual thread per request: the business at
 * {@code /api/busi/<endpoint>}, the nemesis's switch at {@code POST /admin/chaos} and a liveness
 * probe at {@code GET /admin/ping}. The JDK's server socket has SO_REUSEADDR on Linux, so a bank
 * restarted after kill -9 binds its port again at once.
 */
public final class HttpBank implements AutoCloseable {
    private static final String BUSI = "/api/busi/";

    private final Bank bank;
    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    HttpBank(Bank bank, int port) throws IOException {
        this.bank = bank;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 0);
        http.setExecutor(executor);
        http.createContext(BUSI, this::business);
        http.createContext("/admin/chaos", this::chaos);
        http.createContext("/admin/ping", exchange -> answer(exchange, 200, "text/plain", "pong"));
        http.start();
    }

    int port() {
        return http.getAddress().getPort();
    }

    private void business(HttpExchange exchange) throws IOException {
        String endpoint = exchange.getRequestURI().getPath().substring(BUSI.length());
        if (!Bank.knows(endpoint)) {
            exchange.getRequestBody().close();
            answer(exchange, 404, "text/plain", "no business endpoint " + endpoint);
            return;
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Exception error = null;
        try (InputStream in = exchange.getRequestBody()) {
            bank.serve(endpoint, query, in.readAllBytes());
        } catch (Exception e) {
            error = e;
        }
        Optional<Chaos.Injection> injection = bank.chaos(endpoint, query);
        if (injection.isPresent()) {
            switch (injection.get().kind()) {
                case ERROR -> {
                    answer(exchange, 500, "text/plain", "chaos: an error injected after the work");
                    return;
                }
                case DROP -> {
                    // before sendResponseHeaders the JDK's close() closes the connection itself:
                    // the caller reads end of stream instead of a status line (BankProcessTest)
                    exchange.close();
                    return;
                }
                case SLOW -> sleep(injection.get().slowMillis());
            }
        }
        answer(exchange, HttpResults.statusFor(error), "application/json", HttpResults.bodyFor(error));
    }

    private void chaos(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().close();
        try {
            bank.chaosControl().configure(query(exchange.getRequestURI().getRawQuery()));
        } catch (IllegalArgumentException e) {
            answer(exchange, 400, "text/plain", String.valueOf(e.getMessage()));
            return;
        }
        answer(exchange, 200, "text/plain", "ok");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Parses a raw query string (the first of repeated keys wins); the workflow callback uses it too. */
    public static Map<String, String> query(String raw) {
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
