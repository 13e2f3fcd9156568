package io.dtm4j.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The SDK's HTTP client, timing each request in {@value #METER}: tag {@code target} is {@code
 * server} for the dtm server's API and {@code branch} for branch calls the application makes itself
 * (TCC tries, XA actions, the message check-back); {@code operation} is the server route ({@code
 * prepare}, {@code submit}, {@code newGid}, ...) or the branch op ({@code try}, {@code action}, ...);
 * {@code outcome} is {@code success} (200), {@code failure} (409), {@code ongoing} (425) or {@code
 * error} (any other status, or no response).
 */
final class MeteredHttpClient extends HttpClient {
    static final String METER = "dtm4j.client.requests";

    private final HttpClient delegate;
    private final MeterRegistry registry;
    private final String serverUrl;

    MeteredHttpClient(HttpClient delegate, MeterRegistry registry, String serverUrl) {
        this.delegate = delegate;
        this.registry = registry;
        this.serverUrl = serverUrl.endsWith("/") ? serverUrl : serverUrl + "/";
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        int status = -1;
        try {
            HttpResponse<T> response = delegate.send(request, handler);
            status = response.statusCode();
            return response;
        } finally {
            record(request, status, System.nanoTime() - start);
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        long start = System.nanoTime();
        return delegate.sendAsync(request, handler)
                .whenComplete((r, e) -> record(request, r == null ? -1 : r.statusCode(), System.nanoTime() - start));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
            HttpRequest request,
            HttpResponse.BodyHandler<T> handler,
            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        long start = System.nanoTime();
        return delegate.sendAsync(request, handler, pushPromiseHandler)
                .whenComplete((r, e) -> record(request, r == null ? -1 : r.statusCode(), System.nanoTime() - start));
    }

    private void record(HttpRequest request, int status, long nanos) {
        String url = request.uri().toString();
        boolean server = url.startsWith(serverUrl);
        String operation;
        if (server) {
            String rest = url.substring(serverUrl.length());
            int end = rest.indexOf('?');
            operation = end < 0 ? rest : rest.substring(0, end);
        } else {
            operation = queryValue(request.uri().getRawQuery(), "op");
        }
        Timer.builder(METER)
                .description("Calls of the dtm4j SDK to the server and to branches")
                .tag("target", server ? "server" : "branch")
                .tag("operation", operation.isEmpty() ? "unknown" : operation)
                .tag("outcome", BranchHandlers.outcome(status))
                .register(registry)
                .record(Duration.ofNanos(nanos));
    }

    private static String queryValue(String query, String name) {
        if (query == null) {
            return "";
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return "";
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
