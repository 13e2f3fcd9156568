package io.dtm4j.server.invoke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Calls branches of {@code json-rpc} transactions (docs/protocol.md §6.3): POSTs {@code
 * {"jsonrpc":"2.0", "id", "method", "params"}} to the stored URL, where the method is the URL's
 * {@code method} query parameter and the params are the branch payload (a JSON object) plus {@code
 * gid}, {@code trans_type}, {@code branch_id} and {@code op}. Headers and timeout are those of an
 * HTTP call; the answer is classified by {@link JsonRpcOutcomes}.
 */
public final class JsonRpcInvoker implements Invoker {
    private final HttpExchanges http;
    private final ObjectMapper json;

    /** Creates the invoker with its own connection pool of at most {@code maxPoolSize} per server. */
    public JsonRpcInvoker(Vertx vertx, int maxPoolSize, ObjectMapper json) {
        this.http = new HttpExchanges(vertx, maxPoolSize);
        this.json = json;
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success("");
        }
        byte[] envelope;
        try {
            envelope = json.writeValueAsBytes(envelope(call));
        } catch (RuntimeException | JsonProcessingException e) {
            return Outcome.error("cannot call " + call.url() + " over JSON-RPC: " + e.getMessage());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-type", "application/json");
        headers.putAll(call.headers());
        var request = new HttpExchanges.Request(
                HttpMethod.POST,
                call.url(),
                Map.of(),
                headers,
                envelope,
                call.timeout().toMillis(),
                call.maySend());
        return http.exchange(request, (status, body) -> JsonRpcOutcomes.classify(status, body, json));
    }

    /** Builds the request; throws IllegalArgumentException when the payload or URL cannot make one. */
    ObjectNode envelope(BranchCall call) {
        ObjectNode params = params(call.body());
        params.put("gid", call.gid());
        params.put("trans_type", call.transType());
        params.put("branch_id", call.branchId());
        params.put("op", call.op());
        ObjectNode n = json.createObjectNode();
        n.put("jsonrpc", "2.0");
        n.put("id", Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36));
        n.put("method", method(call.url()));
        n.set("params", params);
        return n;
    }

    private ObjectNode params(byte[] payload) {
        if (payload.length == 0) {
            return json.createObjectNode(); // e.g. a msg check-back, which has no payload
        }
        JsonNode node;
        try {
            node = json.readTree(payload);
        } catch (IOException e) {
            throw new IllegalArgumentException("the branch payload is not JSON: " + e.getMessage());
        }
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw new IllegalArgumentException(
                "the branch payload must be a JSON object, not: " + new String(payload, StandardCharsets.UTF_8));
    }

    /** Returns the value of the URL's {@code method} query parameter, "" when absent. */
    static String method(String url) {
        String query = URI.create(url).getRawQuery();
        if (query == null) {
            return "";
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals("method")) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    @Override
    public void close() {
        http.close();
    }
}
