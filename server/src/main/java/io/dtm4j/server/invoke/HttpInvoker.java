package io.dtm4j.server.invoke;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Calls branches over HTTP with a pooled Vert.x client (docs/protocol.md §6.2). */
public final class HttpInvoker implements Invoker {
    private static final Map<String, String> JSON = Map.of("Content-type", "application/json");

    private final HttpExchanges http;

    public HttpInvoker(Vertx vertx, int maxPoolSize) {
        this.http = new HttpExchanges(vertx, maxPoolSize);
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success("");
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("gid", call.gid());
        query.put("trans_type", call.transType());
        query.put("branch_id", call.branchId());
        query.put("op", call.op());
        Map<String, String> headers = new LinkedHashMap<>(JSON);
        headers.putAll(call.headers());
        var request = new HttpExchanges.Request(
                call.post() ? HttpMethod.POST : HttpMethod.GET,
                call.url(),
                query,
                headers,
                call.body(),
                call.timeout().toMillis(),
                call.maySend());
        return http.exchange(request, HttpOutcomes::classify);
    }

    /** Posts a JSON document (alerts); the outcome is classified like a branch call. */
    public Outcome postJson(String url, String json, long timeoutMillis) {
        var request = new HttpExchanges.Request(
                HttpMethod.POST, url, Map.of(), JSON, json.getBytes(StandardCharsets.UTF_8), timeoutMillis, () -> true);
        return http.exchange(request, HttpOutcomes::classify);
    }

    @Override
    public void close() {
        http.close();
    }
}
