package io.dtm4j.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dtm4j.protocol.TraceContext;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.server.engine.DtmException;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.engine.Gids;
import io.dtm4j.server.metrics.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dtm's JSON-RPC API (docs/protocol.md §4), served at {@value #PATH} on the HTTP port: methods
 * {@code newGid}, {@code prepare}, {@code submit}, {@code abort} and {@code registerBranch}, each
 * mapped onto the {@link Engine} as the HTTP routes of the same names are.
 *
 * <p>Every answer is {@code {"jsonrpc":"2.0","id":…,"error":…,"result":…}} with both {@code error}
 * and {@code result} present. Status is 200, except 400 for a body that is not a JSON-RPC request
 * (dtm's framework has committed 400 by then). Error codes: -32700 unparseable, -32600 wrong
 * version or empty id, -32601 unknown method, -32901 FAILURE, -32603 anything else (ONGOING
 * included). Unlike dtm, a numeric {@code id} is accepted and echoed (docs/protocol.md §20.12).
 */
public final class JsonRpcApi implements Handler<RoutingContext> {
    /** The route, on the HTTP port. */
    public static final String PATH = "/api/json-rpc";

    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INTERNAL_ERROR = -32603;
    static final int FAILURE = -32901;

    private static final Logger log = LoggerFactory.getLogger(JsonRpcApi.class);
    private static final String JSON_TYPE = "application/json; charset=utf-8";

    /** A method: returns its result, or null for a plain success. */
    @FunctionalInterface
    private interface Method {
        JsonNode call(JsonNode params);
    }

    /** One answer: its HTTP status, its body, and the metric labels. */
    private record Answer(int status, ObjectNode body, String api, boolean ok) {}

    private final ObjectMapper json;
    private final Metrics metrics;
    private final ExecutorService executor;
    private final Map<String, Method> methods = new LinkedHashMap<>();

    public JsonRpcApi(Engine engine, Metrics metrics, ObjectMapper json, ExecutorService executor) {
        this.json = json;
        this.metrics = metrics;
        this.executor = executor;
        methods.put("newGid", params -> json.createObjectNode().put("gid", Gids.newGid()));
        methods.put("prepare", params -> {
            engine.prepare(transaction("prepare", params));
            return null;
        });
        methods.put("submit", params -> {
            engine.submit(transaction("submit", params));
            return null;
        });
        methods.put("abort", params -> {
            engine.abort(transaction("abort", params));
            return null;
        });
        methods.put("registerBranch", params -> {
            engine.registerBranch(stringFields(params));
            return null;
        });
    }

    /** Serves one request on a virtual thread and answers on the request's event loop. */
    @Override
    public void handle(RoutingContext rc) {
        Context context = Vertx.currentContext();
        Buffer body = rc.body().buffer();
        byte[] bytes = body == null ? new byte[0] : body.getBytes();
        Map<String, String> trace = TraceContext.from(rc.request()::getHeader);
        long start = System.nanoTime();
        executor.execute(() -> {
            Answer answer;
            try {
                answer = answer(bytes, trace);
            } catch (Throwable e) { // whatever broke, the client gets an answer instead of a hung request
                log.error("json-rpc request failed", e);
                answer = error(
                        200, json.getNodeFactory().textNode(""), INTERNAL_ERROR, String.valueOf(e), null, "json-rpc");
            }
            Answer reply = answer;
            metrics.apiRequest("json-rpc", reply.api(), reply.ok(), (System.nanoTime() - start) / 1e9);
            Buffer out = Buffer.buffer(reply.body().toString());
            context.runOnContext(v -> rc.response()
                    .setStatusCode(reply.status())
                    .putHeader("Content-Type", JSON_TYPE)
                    .end(out));
        });
    }

    private Answer answer(byte[] body, Map<String, String> trace) {
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (IOException e) {
            String reason = e instanceof JsonProcessingException p ? p.getOriginalMessage() : e.getMessage();
            return parseError(null, "Parse json error: " + reason);
        }
        if (request == null || request.isMissingNode()) {
            return parseError(null, "Parse json error: request body is empty");
        }
        if (!request.isObject()) {
            return parseError(null, "Parse json error: request must be a JSON object, not " + request.getNodeType());
        }
        JsonNode id = request.get("id");
        boolean idUsable = id == null || id.isNull() || id.isTextual() || id.isNumber();
        JsonNode echoedId = idUsable && id != null && !id.isNull()
                ? id
                : json.getNodeFactory().textNode("");
        for (String key : new String[] {"jsonrpc", "method"}) {
            JsonNode v = request.get(key);
            if (v != null && !v.isNull() && !v.isTextual()) {
                return parseError(echoedId, "Parse json error: '" + key + "' must be a string, not " + v);
            }
        }
        if (!idUsable) {
            return parseError(echoedId, "Parse json error: 'id' must be a string or a number, not " + id);
        }
        String version = request.path("jsonrpc").asText("");
        String name = request.path("method").asText("");
        if (echoedId.asText().isEmpty() || !version.equals("2.0")) {
            ObjectNode shown = json.createObjectNode().put("method", name).put("jsonrpc", version);
            shown.set("id", echoedId);
            return error(200, echoedId, INVALID_REQUEST, "Bad json request: " + shown, null, "json-rpc");
        }
        Method method = methods.get(name);
        if (method == null) {
            return error(200, echoedId, METHOD_NOT_FOUND, "Method not found: " + name, null, "json-rpc");
        }
        JsonNode params = request.get("params");
        if (params instanceof ObjectNode o && !trace.isEmpty() && !o.has("trace_context")) {
            o.set("trace_context", json.valueToTree(trace)); // the HTTP call's trace context, as the HTTP API keeps it
        }
        try {
            return answer(200, echoedId, null, method.call(params == null ? json.nullNode() : params), name, true);
        } catch (DtmException e) {
            int code = e.kind() == DtmException.Kind.FAILURE ? FAILURE : INTERNAL_ERROR;
            return error(200, echoedId, code, e.getMessage(), json.createObjectNode(), name);
        } catch (RuntimeException e) {
            log.error("json-rpc {} failed", name, e);
            return error(200, echoedId, INTERNAL_ERROR, String.valueOf(e.getMessage()), json.createObjectNode(), name);
        }
    }

    private Answer parseError(JsonNode id, String message) {
        return error(400, id == null ? json.getNodeFactory().textNode("") : id, PARSE_ERROR, message, null, "json-rpc");
    }

    private Answer error(int status, JsonNode id, int code, String message, JsonNode result, String api) {
        ObjectNode error = json.createObjectNode().put("code", code).put("message", message);
        return answer(status, id, error, result, api, false);
    }

    private Answer answer(int status, JsonNode id, JsonNode error, JsonNode result, String api, boolean ok) {
        ObjectNode n = json.createObjectNode().put("jsonrpc", "2.0");
        n.set("id", id);
        n.set("error", error == null ? json.nullNode() : error);
        n.set("result", result == null ? json.nullNode() : result);
        return new Answer(status, n, api, ok);
    }

    /** Reads the params of prepare, submit and abort: a global transaction as HTTP clients post it. */
    private TransRequest transaction(String method, JsonNode params) {
        if (!params.isObject()) {
            throw DtmException.badRequest(
                    "params of '" + method + "' must be a JSON object (a global transaction), not " + params);
        }
        try {
            return json.treeToValue(params, TransRequest.class);
        } catch (JsonProcessingException e) {
            throw DtmException.badRequest(
                    "params of '" + method + "' are not a global transaction: " + e.getOriginalMessage());
        }
    }

    /** Reads the params of registerBranch: a flat object whose values are all strings, as over HTTP. */
    private static Map<String, String> stringFields(JsonNode params) {
        if (!params.isObject()) {
            throw DtmException.badRequest("params of 'registerBranch' must be a JSON object of strings, not " + params);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (var e : params.properties()) {
            if (!e.getValue().isTextual()) {
                throw DtmException.badRequest("value of '" + e.getKey() + "' must be a string, not " + e.getValue());
            }
            fields.put(e.getKey(), e.getValue().textValue());
        }
        return fields;
    }
}
