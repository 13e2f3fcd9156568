package io.dtm4j.server.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** Talks JSON-RPC to a test server the way dtm's Go SDK does with {@code Protocol = "json-rpc"}. */
public final class JsonRpcClient {
    /** The id dtm's Go SDK puts in every request. */
    public static final String SDK_ID = "no-use";

    private final TestServer dtm;

    public JsonRpcClient(TestServer dtm) {
        this.dtm = dtm;
    }

    /** Returns the SDK form of the server's JSON-RPC address. */
    public String url() {
        return dtm.baseUrl() + "/api/json-rpc";
    }

    /** Calls {@code method} with {@code params} and the SDK's id. */
    public TestServer.Response call(String method, Object params) {
        return dtm.post("/api/json-rpc", envelope(SDK_ID, method, params));
    }

    /** Returns a request envelope; {@code id} may be any JSON value, or null to leave it out. */
    public static Map<String, Object> envelope(Object id, String method, Object params) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jsonrpc", "2.0");
        if (id != null) {
            body.put("id", id);
        }
        body.put("method", method);
        body.put("params", params);
        return body;
    }
}
