package io.dtm4j.server.invoke;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * HTTP requests over one pooled Vert.x client, for the HTTP and JSON-RPC invokers and alerts. A
 * request lives at most its timeout, queueing for a connection included, and is asked {@code
 * maySend} once it has a connection, right before it is written: a call that queued past its round's
 * lease is dropped, never delivered late (docs/protocol.md §9.3).
 */
final class HttpExchanges {
    private final HttpClientAgent client;

    HttpExchanges(Vertx vertx, int maxPoolSize) {
        this.client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(maxPoolSize));
    }

    /** A request: {@code query} is appended to the URL's own query, encoded; an empty body sends none. */
    record Request(
            HttpMethod method,
            String url,
            Map<String, String> query,
            Map<String, String> headers,
            byte[] body,
            long timeoutMillis,
            BooleanSupplier maySend) {}

    /**
     * Sends the request and classifies the answer with {@code classify(status, body)}. Never throws:
     * a bad URL or header, a refused or lost connection and a timeout are transient-error outcomes.
     */
    Outcome exchange(Request r, BiFunction<Integer, String, Outcome> classify) {
        InFlight inFlight = new InFlight();
        Future<Outcome> answer;
        try {
            RequestOptions options = new RequestOptions()
                    .setMethod(r.method())
                    .setAbsoluteURI(r.url())
                    .setConnectTimeout(r.timeoutMillis())
                    .setIdleTimeout(r.timeoutMillis());
            options.setURI(withQuery(options.getURI(), r.query()));
            r.headers().forEach(options::putHeader);
            answer = client.request(options).compose(request -> {
                request.exceptionHandler(e -> {}); // failures reach the response future
                if (!inFlight.start(request, r.maySend())) {
                    request.reset();
                    return Future.succeededFuture(Outcome.error(
                            "not sent to " + r.url() + ": the round's lease ended while it waited for a connection"));
                }
                Future<HttpClientResponse> response =
                        r.body().length > 0 ? request.send(Buffer.buffer(r.body())) : request.send();
                return response.compose(res -> res.body()
                        .map(body -> classify.apply(res.statusCode(), body.toString(StandardCharsets.UTF_8))));
            });
        } catch (RuntimeException e) { // e.g. "http://" (no host), "ftp://…" or a header value Vert.x refuses
            return Outcome.error("bad request to '" + r.url() + "': " + e.getMessage());
        }
        try {
            return answer.toCompletionStage().toCompletableFuture().get(r.timeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            inFlight.abandon();
            return timedOut(r);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                return timedOut(r);
            }
            return Outcome.error("error calling " + r.url() + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error("interrupted calling " + r.url());
        }
    }

    private static Outcome timedOut(Request r) {
        return Outcome.error("timeout after " + r.timeoutMillis() + " ms calling " + r.url());
    }

    /**
     * The request of one exchange once it has a connection. The caller abandons it when it stops
     * waiting: a request still queued is then never written, one written is reset.
     */
    private static final class InFlight {
        private HttpClientRequest request;
        private boolean abandoned;

        /** Returns whether the request may be written now: not abandoned, and {@code maySend} agrees. */
        synchronized boolean start(HttpClientRequest request, BooleanSupplier maySend) {
            if (abandoned || !maySend.getAsBoolean()) {
                return false;
            }
            this.request = request;
            return true;
        }

        void abandon() {
            HttpClientRequest started;
            synchronized (this) {
                abandoned = true;
                started = request;
            }
            if (started != null) {
                started.reset();
            }
        }
    }

    static String withQuery(String uri, Map<String, String> query) {
        if (query.isEmpty()) {
            return uri;
        }
        StringBuilder b = new StringBuilder(uri);
        char separator = uri.indexOf('?') < 0 ? '?' : '&';
        for (var e : query.entrySet()) {
            b.append(separator)
                    .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            separator = '&';
        }
        return b.toString();
    }

    void close() {
        client.close();
    }
}
