package io.dtm4j.server.invoke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls branches of {@code json-rpc} transactions (docs/protocol.md §6.3): POSTs {@code
 * {"jsonrpc":"2.0", "id", "method", "params"}} to the stored URL, where the method is the URL's
 * {@code method} query parameter and the params are the branch payload (a JSON object) plus {@code
 * gid}, {@code trans_type}, {@code branch_id} and {@code op}. Headers and timeout are those of an
 * HTTP call; the answer is classified by {@link JsonRpcOutcomes}.
 */
public final class JsonRpcInvoker implements Invoker {
    private final WebClient client;
    private final ObjectMapper json;

    /** Creates the invoker with its own connection pool of at most {@code maxPoolSize} per server. */
    public JsonRpcInvoker(Vertx vertx, int maxPoolSize, ObjectMapper json) {
        this.client = WebClient.create(
                vertx,
                new WebClientOptions().setKeepAlive(true).setUserAgentEnabled(false),
                new PoolOptions().setHttp1MaxSize(maxPoolSize));
        this.json = json;
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success("");
        }
        Buffer envelope;
        HttpRequest<Buffer> request;
        try {
            envelope = Buffer.buffer(json.writeValueAsBytes(envelope(call)));
            request = client.postAbs(call.url());
        } catch (RuntimeException | JsonProcessingException e) {
            return Outcome.error("cannot call " + call.url() + " over JSON-RPC: " + e.getMessage());
        }
        long timeoutMillis = call.timeout().toMillis();
        request.timeout(timeoutMillis).putHeader("Content-type", "application/json");
        call.headers().forEach(request::putHeader);
        try {
            HttpResponse<Buffer> response = request.sendBuffer(envelope)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(timeoutMillis + 1000, TimeUnit.MILLISECONDS); // the client's own timeout fires first
            Buffer body = response.body();
            return JsonRpcOutcomes.classify(
                    response.statusCode(), body == null ? "" : body.toString(StandardCharsets.UTF_8), json);
        } catch (TimeoutException e) {
            return Outcome.error("timeout after " + timeoutMillis + " ms calling " + call.url());
        } catch (ExecutionException e) {
            return Outcome.error("error calling " + call.url() + ": " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.error("interrupted calling " + call.url());
        }
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
        client.close();
    }
}
