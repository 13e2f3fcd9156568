package io.dtm4j.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.faults.fuzz.FuzzServer.Answer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the JSON-RPC endpoint ({@code POST /api/json-rpc}, docs/protocol.md §4): damaged envelopes
 * and every method with damaged params. Each answer must be one docs/protocol.md §4 gives: HTTP 400 with code −32700
 * for a body that is no request, else 200 with −32600, −32601, −32901, −32603 (bad params included,
 * as dtm) or success; never a 5xx, never an unexpected exception (the server logs none). Afterwards
 * the store holds no partial transaction for any gid used.
 */
class JsonRpcFuzzTest {
    static final String PATH = "/api/json-rpc";
    static final List<String> METHODS = List.of("newGid", "prepare", "submit", "abort", "registerBranch");

    static FuzzServer server;
    private static long cases;

    @BeforeAll
    static void start() {
        server = new FuzzServer();
    }

    @AfterAll
    static void stop() {
        if (server == null) {
            return;
        }
        try {
            server.assertAlive();
            int listed = server.scanAll();
            server.assertNoErrorsLogged();
            System.out.println("fuzz: JsonRpcFuzzTest done, " + listed + " stored transactions whole");
            FuzzTotals.finished(JsonRpcFuzzTest.class, server.sent(), cases);
        } finally {
            server.close();
        }
    }

    private static void property(String name, int n, IntConsumer test) {
        cases += Cases.ONLY == null ? n : 1;
        Cases.run(name, n, test, () -> {
            server.assertAlive();
            server.checkRecordedGids();
            server.assertNoErrorsLogged();
        });
    }

    /** What the request was built to be, hence the answer it must get (null: any documented one). */
    enum Expect {
        PARSE_ERROR,
        INVALID_REQUEST,
        METHOD_NOT_FOUND,
        ANY
    }

    /** Broken envelopes: not JSON, not an object, batches, wrong or missing jsonrpc/id/method. */
    @Test
    void envelopes() {
        property("envelopes", 1200, this::envelope);
    }

    private void envelope(int i) {
        Gen g = Cases.gen("envelopes", i);
        String gid = g.gid("je", 80);
        String params = g.chance(60) ? body(g, gid, "submit") : g.json(3);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("jsonrpc", "\"2.0\"");
        env.put("id", Json.quote("f-" + i));
        env.put("method", Json.quote(g.pick(METHODS)));
        env.put("params", params);
        Expect expect = Expect.ANY;
        String text;
        switch (g.r.nextInt(14)) {
            case 0 -> {
                text = g.pick(List.of("", "null", "42", "\"x\"", "true", "{", "[", "}", "\u0000", "{\"jsonrpc\":}"));
                expect = Expect.PARSE_ERROR;
            }
            case 1 -> { // a batch: dtm4j, like dtm, reads one request object only
                text = "[" + object(env) + "," + object(env) + "]";
                expect = Expect.PARSE_ERROR;
            }
            case 2 -> {
                env.put(g.pick(List.of("jsonrpc", "method")), g.pick(List.of("2", "2.0", "true", "{}", "[\"2.0\"]")));
                text = object(env);
                expect = Expect.PARSE_ERROR;
            }
            case 3 -> {
                env.put("id", g.pick(List.of("{}", "[]", "true", "false", "[\"a\"]", "{\"id\":1}")));
                text = object(env);
                expect = Expect.PARSE_ERROR;
            }
            case 4 -> {
                if (g.r.nextBoolean()) {
                    env.remove("id");
                } else {
                    env.put("id", g.pick(List.of("\"\"", "null")));
                }
                text = object(env);
                expect = Expect.INVALID_REQUEST;
            }
            case 5 -> {
                if (g.r.nextBoolean()) {
                    env.remove("jsonrpc");
                } else {
                    env.put("jsonrpc", Json.quote(g.pick(List.of("1.0", "", "2.00", " 2.0", "3.0", g.string()))));
                }
                text = object(env);
                expect = env.containsKey("jsonrpc") && env.get("jsonrpc").equals("\"2.0\"")
                        ? Expect.ANY
                        : Expect.INVALID_REQUEST;
            }
            case 6 -> {
                String m = g.pick(List.of("", "NewGid", "SUBMIT", "query", "registerbranch", "prepare ", g.string()));
                if (g.r.nextBoolean()) {
                    env.put("method", Json.quote(m));
                } else {
                    env.remove("method");
                }
                text = object(env);
                expect = Expect.METHOD_NOT_FOUND;
            }
            case 7 -> { // numbers as ids: accepted and echoed (docs/protocol.md §20.12); huge and odd ones too
                env.put("id", g.number());
                text = object(env);
            }
            case 8 -> { // an odd id string is echoed as it is
                env.put("id", Json.quote(g.string()));
                text = object(env);
            }
            case 9 -> { // unknown and duplicate envelope keys: duplicates, the last one wins
                env.put(g.string(), g.json(2));
                String t = object(env);
                text = t.substring(0, t.length() - 1) + ",\"id\":" + Json.quote("dup-" + i) + ",\"extra\":" + g.json(2)
                        + "}";
            }
            case 10 -> {
                text = object(env);
                int cut = g.r.nextInt(Math.max(1, text.length() - 1));
                text = text.substring(0, cut);
                expect = Expect.PARSE_ERROR;
            }
            case 11 -> { // deeply nested params or envelope values
                String deep = g.deep();
                env.put(g.pick(List.of("params", "params", "id", "extra")), deep);
                text = object(env);
            }
            case 12 -> { // a huge string value somewhere
                env.put(g.pick(List.of("params", "method", "id")), Json.quote("h".repeat(g.between(10_000, 300_000))));
                text = object(env);
            }
            default -> text = object(env);
        }
        if (Json.read(text).isMissingNode()) { // params or a value made the whole body unreadable
            expect = Expect.PARSE_ERROR;
        }
        check(text, expect, gid, "envelope");
    }

    /** Each method with well-formed envelopes and damaged params. */
    @Test
    void methods() {
        property("methods", 1800, this::method);
    }

    private void method(int i) {
        Gen g = Cases.gen("methods", i);
        String method = g.pick(METHODS);
        String gid = g.gid("jm", 80);
        String params = switch (g.r.nextInt(8)) {
            case 0 -> g.json(3); // anything
            case 1 -> "null";
            default -> body(g, gid, method);
        };
        String id = g.chance(80) ? Json.quote("m-" + i) : g.pick(List.of("7", "-1", "0.5", "1e300"));
        String text = "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":" + Json.quote(method) + ",\"params\":"
                + params + "}";
        check(text, Expect.ANY, gid, method);
    }

    /** Params for {@code method}: a damaged transaction, or a damaged registerBranch map. */
    private static String body(Gen g, String gid, String method) {
        if (method.equals("registerBranch") || (method.equals("newGid") && g.r.nextBoolean())) {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("gid", Json.quote(gid));
            f.put("trans_type", Json.quote(g.pick(List.of("tcc", "xa", "workflow", "saga", "", g.string()))));
            f.put("branch_id", Json.quote(g.chance(80) ? String.format("%02d", g.between(0, 12)) : g.string()));
            for (String k : List.of("confirm", "cancel", "url", "op", "status", "data")) {
                if (g.chance(40)) {
                    f.put(
                            k,
                            Json.quote(
                                    k.equals("op") || k.equals("status") || k.equals("data") ? g.string() : g.url()));
                }
            }
            if (g.chance(20)) {
                f.put(
                        g.pick(List.of("gid", "branch_id", "url", "data")),
                        g.pick(List.of("1", "null", "{}", "[]", "true")));
            }
            return object(f);
        }
        if (g.chance(20) && !method.equals("newGid")) { // a prepared global first, so abort and registerBranch find one
            String type = g.pick(List.of("tcc", "xa", "msg"));
            server.post(
                    PATH,
                    "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"prepare\",\"params\":{\"gid\":" + Json.quote(gid)
                            + ",\"trans_type\":\"" + type + "\",\"query_prepared\":\"http://127.0.0.1:1/q\"}}");
            server.record(gid, "prepare " + type, false);
        }
        return g.mutate(g.transaction(gid, g.pick(Gen.TYPES))).text();
    }

    private static String object(Map<String, String> fields) {
        StringBuilder b = new StringBuilder("{");
        fields.forEach((k, v) -> b.append(b.length() > 1 ? "," : "")
                .append(Json.quote(k))
                .append(':')
                .append(v));
        return b.append('}').toString();
    }

    /** The JSON-RPC error codes of docs/protocol.md §4 a well-formed request may get. */
    private static final Set<Integer> CODES = Set.of(-32600, -32601, -32901, -32603);

    private static void check(String text, Expect expect, String gid, String kind) {
        Answer a = server.send("POST", PATH, text.getBytes(StandardCharsets.UTF_8));
        String what = "json-rpc " + kind + " " + Gen.abbreviate(text, 200);
        if (a.status() == 413) { // docs/protocol.md §4: a body over 4 MiB
            assertThat(text.length()).as("%s → %s", what, a).isGreaterThan(1 << 20);
            return;
        }
        assertThat(a.status()).as("%s → %s", what, a).isIn(200, 400);
        assertThat(a.contentType()).as("%s → %s", what, a).startsWith("application/json");
        JsonNode n = a.json();
        assertThat(n.isObject()).as("%s → %s: not a JSON object", what, a).isTrue();
        assertThat(n.path("jsonrpc").asText()).as("%s → %s", what, a).isEqualTo("2.0");
        assertThat(n.has("id") && n.has("error") && n.has("result"))
                .as("%s → %s: id, error and result are always present", what, a)
                .isTrue();
        JsonNode error = n.path("error");
        int code = error.isNull() ? 0 : error.path("code").asInt();
        String message = error.path("message").asText("");
        if (a.status() == 400) {
            assertThat(code).as("%s → %s: 400 is a parse error", what, a).isEqualTo(-32700);
            assertThat(message).as(what).startsWith("Parse json error");
        } else if (!error.isNull()) {
            assertThat(CODES).as("%s → %s: error code", what, a).contains(code);
            assertThat(message).as("%s → %s: an error without message", what, a).isNotEmpty();
            // an unexpected exception is answered with its class name (and logged, which the property checks)
            assertThat(message).as("%s → %s: an unexpected exception", what, a).doesNotStartWith("java.");
        }
        switch (expect) {
            case PARSE_ERROR -> assertThat(a.status()).as("%s → %s", what, a).isEqualTo(400);
            case INVALID_REQUEST -> assertThat(code).as("%s → %s", what, a).isEqualTo(-32600);
            case METHOD_NOT_FOUND -> assertThat(code).as("%s → %s", what, a).isEqualTo(-32601);
            case ANY -> {}
        }
        boolean rejected = a.status() == 400 || code == -32600 || code == -32601;
        server.record(gid, what + " → " + a, rejected);
        if (kind.equals("registerBranch") && a.status() == 200 && error.isNull()) {
            server.branchRegistered(gid);
        }
    }
}
