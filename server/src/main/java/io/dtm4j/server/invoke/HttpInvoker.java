package io.dtm4j.server.invoke;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Calls branches over HTTP with a pooled Vert.x client (docs/protocol.md §6.2). */
public final class HttpInvoker implements Invoker {
    private final WebClient client;

    public HttpInvoker(Vertx vertx, int maxPoolSize) {
        this.client = WebClient.create(
                vertx,
                new WebClientOptions().setKeepAlive(true).setUserAgentEnabled(false),
                new PoolOptions().setHttp1MaxSize(maxPoolSize));
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success("");
        }
        HttpRequest<Buffer> request;
        try {
            request = client.requestAbs(call.post() ? HttpMethod.POST : HttpMethod.GET, call.url());
        } catch (RuntimeException e) {
            return Outcome.error("bad url '" + call.url() + "': " + e.getMessage());
        }
        long timeoutMillis = call.timeout().toMillis();
        io.vertx.core.Future<HttpResponse<Buffer>> future;
        try {
            request.timeout(timeoutMillis)
                    .addQueryParam("gid", call.gid())
                    .addQueryParam("trans_type", call.transType())
                    .addQueryParam("branch_id", call.branchId())
                    .addQueryParam("op", call.op())
                    .putHeader("Content-type", "application/json");
            call.headers().forEach(request::putHeader);
            future = call.body().length > 0 ? request.sendBuffer(Buffer.buffer(call.body())) : request.send();
        } catch (RuntimeException e) { // e.g. "http://" (no host) or a header value Vert.x refuses
            return Outcome.error("bad request to '" + call.url() + "': " + e.getMessage());
        }
        try {
            HttpResponse<Buffer> response = await(future, timeoutMillis);
            Buffer body = response.body();
            return HttpOutcomes.classify(
                    response.statusCode(), body == null ? "" : body.toString(StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            return Outcome.error("timeout after " + timeoutMillis + " ms calling " + call.url());
        } catch (ExecutionException e) {
            return Outcome.error("error calling " + call.url() + ": " + e.getCause());
        }
    }

    /** Posts a JSON document (alerts); the outcome is classified like a branch call. */
    public Outcome postJson(String url, String json, long timeoutMillis) {
        try {
            HttpResponse<Buffer> response;
            var sent = client.postAbs(url)
                    .timeout(timeoutMillis)
                    .putHeader("Content-type", "application/json")
                    .sendBuffer(Buffer.buffer(json));
            response = await(sent, timeoutMillis);
            Buffer body = response.body();
            return HttpOutcomes.classify(response.statusCode(), body == null ? "" : body.toString());
        } catch (TimeoutException e) {
            return Outcome.error("timeout posting to " + url);
        } catch (ExecutionException e) {
            return Outcome.error("error posting to " + url + ": " + e.getCause());
        }
    }

    /** Waits for {@code future} on the calling thread; the client's own timeout normally fires first. */
    private static <T> T await(Future<T> future, long timeoutMillis) throws TimeoutException, ExecutionException {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeoutMillis + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutionException("interrupted", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
