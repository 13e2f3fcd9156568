package io.dtm4j.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.faults.fuzz.FuzzServer.Answer;
import java.io.ByteArrayInputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes every HTTP route of docs/protocol.md §3.1 (and unknown routes, wrong methods, oversized
 * bodies) against one server process: every answer must be one the docs give for that route, the
 * server must stay up, and the store must hold no partial transaction afterwards.
 *
 * <p>Each property runs case numbers 0…n−1 ({@link Cases}) and derives case i from {@link
 * FuzzServer#SEED}; a failure names the case number, and the same seed replays it. There is no
 * shrinking: the server's state makes a smaller replay meaningless.
 */
class HttpFuzzTest {
    static final String API = "/api/dtmsvr/";
    static final List<String> TRANS_ROUTES =
            List.of("prepare", "submit", "abort", "prepareWorkflow", "forceStop", "resetNextCronTime");
    static final List<String> REGISTER_ROUTES = List.of("registerBranch", "registerTccBranch", "registerXaBranch");

    /**
     * 500 answers that are not server errors, each documented: the {@link FuzzServer#REJECTED_500}
     * texts (docs/protocol.md §2 error table); a compare-and-set lost to a concurrent writer such as the scheduler
     * (docs/protocol.md §8.1, "status changed …, please retry", §2 "any other error"); a workflow submit of a
     * workflow that is not prepared (docs/protocol.md §8.6 → 500).
     */
    static final Pattern DOCUMENTED_500 = Pattern.compile(
            "^(unknow trans type: .*|topic not found|no TransGlobal with gid: .* found|no gid specified"
                    + "|gid '.*': status changed while \\w+, please retry"
                    + "|gid '.*': cannot submit the workflow, status is .*)$",
            Pattern.DOTALL);

    /** The cases of the properties run so far. */
    private static long cases;

    static FuzzServer server;

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
            System.out.println("fuzz: HttpFuzzTest done, " + listed + " stored transactions whole");
            FuzzTotals.finished(HttpFuzzTest.class, server.sent(), cases);
        } finally {
            server.close();
        }
    }

    /** Runs a property's cases, then checks that the server is up, logged no error, and stores no partial transaction. */
    private static void property(String name, int n, IntConsumer test) {
        cases += Cases.ONLY == null ? n : 1;
        Cases.run(name, n, test, HttpFuzzTest::aliveAndWhole);
    }

    static void aliveAndWhole() {
        server.assertAlive();
        server.checkRecordedGids();
        server.assertNoErrorsLogged();
    }

    private static Gen gen(String property, int i) {
        return Cases.gen(property, i);
    }

    /** prepare, submit, abort, prepareWorkflow, forceStop, resetNextCronTime with damaged transaction bodies. */
    @Test
    void transactionRoutes() {
        property("transactionRoutes", 2400, this::transactionRoutes);
    }

    private void transactionRoutes(int i) {
        Gen g = gen("transactionRoutes", i);
        String route = g.pick(TRANS_ROUTES);
        String gid = g.gid("ht", 150);
        Gen.Body body;
        byte[] bytes;
        switch (g.r.nextInt(20)) {
            case 0 -> {
                body = new Gen.Body(g.json(4), false, "any JSON");
                bytes = body.text().getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                // invalid UTF-8 inside a JSON string, and a lone continuation byte
                String head = "{\"gid\":\""
                        + FuzzServer.stored(gid).replace("\"", "").replace("\\", "") + "\",\"trans_type\":\"";
                byte[] h = head.getBytes(StandardCharsets.UTF_8);
                bytes = new byte[h.length + 6];
                System.arraycopy(h, 0, bytes, 0, h.length);
                byte[] tail = {(byte) 0xc3, (byte) 0x28, (byte) 0xff, (byte) 0x80, '"', '}'};
                System.arraycopy(tail, 0, bytes, h.length, tail.length);
                body = new Gen.Body("(invalid UTF-8)", false, "invalid UTF-8");
            }
            default -> {
                body = g.mutate(g.transaction(gid, g.pick(Gen.TYPES)));
                bytes = body.text().getBytes(StandardCharsets.UTF_8);
            }
        }
        Answer a = server.send("POST", API + route, bytes);
        String what = "POST " + route + " " + Gen.abbreviate(body.text()) + " [" + body.mutation() + "]";
        checkWrapped(what, a, body.invalid(), true);
        if (a.status() == 500) {
            boolean waited = body.text().toLowerCase().contains("wait_result")
                    && (route.equals("submit") || route.equals("abort"));
            if (!waited) { // docs/protocol.md §3.4 step 5: a wait_result round reports its own errors as 500
                assertThat(a.message())
                        .as("%s → %s: an undocumented 500", what, a)
                        .matches(DOCUMENTED_500);
            }
        }
        server.record(gid, what, a);
    }

    /** registerBranch and its two legacy aliases with flat maps of odd strings and non-strings. */
    @Test
    void registerBranch() {
        property("registerBranch", 2500, this::registerBranch);
    }

    private void registerBranch(int i) {
        Gen g = gen("registerBranch", i);
        String gid = g.chance(70) ? "hr-" + g.r.nextInt(60) : g.gid("hr", 60);
        String type = g.pick(List.of("tcc", "xa", "workflow", "tcc", "xa", "workflow", "saga", "msg", "", "TCC"));
        if (g.chance(30)) {
            String t = type.equals("tcc") || type.equals("xa") || type.equals("workflow") ? type : "tcc";
            String body = "{\"gid\":" + Json.quote(gid) + ",\"trans_type\":\"" + t + "\"}";
            String route = t.equals("workflow") ? "prepareWorkflow" : "prepare";
            Answer p = server.post(API + route, body);
            checkWrapped("POST " + route + " " + body, p, false, !route.equals("prepareWorkflow"));
            server.record(gid, "POST " + route + " " + body, p);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        if (!g.chance(5)) {
            fields.put("gid", Json.quote(gid));
        }
        fields.put("trans_type", Json.quote(type));
        if (!g.chance(5)) {
            fields.put("branch_id", Json.quote(g.chance(80) ? String.format("%02d", g.between(0, 12)) : g.string()));
        }
        for (String k : List.of("data", "confirm", "cancel", "url", "op", "status", "sync", "try", "subType")) {
            if (g.chance(40)) {
                String v = switch (k) {
                    case "confirm", "cancel", "url", "try" -> g.url();
                    case "op" -> g.pick(List.of("action", "commit", "rollback", "business", "", g.string()));
                    case "status" -> g.pick(List.of("prepared", "succeed", "failed", "submitted", "", g.string()));
                    default -> g.string();
                };
                fields.put(k, Json.quote(v));
            }
        }
        boolean invalid = false;
        String invalidKey = "";
        if (g.chance(15)) { // a value that is not a string: 400 (docs/protocol.md §3.6)
            String k = g.pick(new ArrayList<>(fields.keySet()));
            String v = g.pick(List.of("1", "true", "null", "{}", "[\"a\"]", "1e309", "{\"x\":1}"));
            fields.put(k, v);
            invalid = true;
            invalidKey = k;
        }
        StringBuilder b = new StringBuilder("{");
        fields.forEach((k, v) -> b.append(b.length() > 1 ? "," : "")
                .append(Json.quote(k))
                .append(':')
                .append(v));
        if (g.chance(10)) {
            b.append(b.length() > 1 ? "," : "").append("\"gid\":").append(Json.quote(g.gid("hr", 60)));
            invalid &= !invalidKey.equals("gid"); // duplicate keys: the last one wins (docs/protocol.md §2.1)
        }
        String text = b.append('}').toString();
        if (g.chance(8)) {
            text = text.substring(0, g.r.nextInt(text.length()));
            invalid = true;
        } else if (g.chance(5)) {
            text = g.pick(List.of("[" + text + "]", "\"" + text.replace("\"", "'") + "\"", "", "null", g.deep()));
            invalid = true;
        }
        String route = g.pick(REGISTER_ROUTES);
        Answer a = server.post(API + route, text);
        String what = "POST " + route + " " + Gen.abbreviate(text);
        checkWrapped(what, a, invalid, true);
        if (a.status() == 500) {
            // docs/protocol.md §3.6: an unsupported trans type, and a duplicate (gid, branch_id, op), are 500s
            assertThat(a.message())
                    .as("%s → %s: an undocumented 500", what, a)
                    .matches(Pattern.compile(
                            "^(unknow trans type: .*|gid '.*': branch .* op .* is already registered)$",
                            Pattern.DOTALL));
        }
        server.record(gid, what, a);
        if (a.status() == 200) {
            server.branchRegistered(gid);
        }
    }

    /** The GET routes of docs/protocol.md §3.1 with odd, missing, negative, huge and non-numeric query parameters. */
    @Test
    void readAndAdminRoutes() {
        property("readAndAdminRoutes", 2000, this::readAndAdminRoutes);
    }

    private void readAndAdminRoutes(int i) {
        Gen g = gen("readAndAdminRoutes", i);
        record Route(String path, List<String> params) {}
        List<Route> routes = List.of(
                new Route("version", List.of()),
                new Route("newGid", List.of()),
                new Route("query", List.of("gid")),
                new Route(
                        "all",
                        List.of("gid", "position", "limit", "status", "transType", "createTimeStart", "createTimeEnd")),
                new Route("resetCronTime", List.of("timeout", "limit")),
                new Route("subscribe", List.of("topic", "url", "remark")),
                new Route("unsubscribe", List.of("topic", "url")),
                new Route("scanKV", List.of("cat", "position", "limit")),
                new Route("queryKV", List.of("cat", "key")));
        Route route = g.pick(routes);
        StringBuilder q = new StringBuilder();
        for (String p : route.params()) {
            if (g.chance(60)) {
                String v = switch (p) {
                    case "gid" -> g.chance(50) ? "ht-" + g.r.nextInt(150) : g.gid("ht", 150);
                    case "position", "limit", "timeout", "createTimeStart", "createTimeEnd" ->
                        g.chance(70) ? g.number() : g.string();
                    case "status" -> g.pick(List.of("prepared", "succeed", "failed", "x", "", g.string()));
                    case "transType" -> g.pick(List.of("saga", "msg", "tcc", "xa", "workflow", "SAGA", g.string()));
                    case "url" -> g.url();
                    case "topic" -> g.chance(50) ? "fuzz-topic" : g.string();
                    case "cat" -> g.pick(List.of("topics", "", g.string()));
                    default -> g.string();
                };
                if (v.length() > 20_000) {
                    v = v.substring(0, 20_000);
                }
                q.append(q.length() == 0 ? "?" : "&")
                        .append(p)
                        .append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        }
        if (g.chance(10)) {
            q.append(q.length() == 0 ? "?" : "&")
                    .append(g.pick(List.of("%25zz", "a=%25", "=&=", "gid", "gid=%00", "&&&")));
        }
        String path = API + route.path() + q;
        Answer a = server.send("GET", path, null);
        String what = "GET " + Gen.abbreviate(path);
        if (a.status() == 414) {
            // the HTTP layer refuses a request line over 4096 bytes before any route: a client error
            assertThat(path.length()).as("%s → %s", what, a).isGreaterThan(4000);
            return;
        }
        checkWrapped(what, a, false, false);
        if (a.status() == 500) {
            boolean topics = route.path().equals("subscribe") || route.path().equals("unsubscribe");
            if (!topics) { // docs/protocol.md §3.8: topic errors are 500 {"message"}; §2: query without gid is 500
                assertThat(a.message())
                        .as("%s → %s: an undocumented 500", what, a)
                        .matches(DOCUMENTED_500);
            }
        }
    }

    /** Unknown routes, known routes with other methods, DELETE topic/{name}, metrics and ping. */
    @Test
    void otherRoutesAndMethods() {
        property("otherRoutesAndMethods", 1300, this::otherRoutesAndMethods);
    }

    private void otherRoutesAndMethods(int i) {
        Gen g = gen("otherRoutesAndMethods", i);
        String method = g.pick(List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"));
        List<String> known = new ArrayList<>(TRANS_ROUTES);
        known.addAll(REGISTER_ROUTES);
        known.addAll(List.of(
                "version", "newGid", "query", "all", "resetCronTime", "subscribe", "unsubscribe", "scanKV", "queryKV"));
        String path = switch (g.r.nextInt(8)) {
            case 0 -> "/api/ping";
            case 1 -> "/api/metrics";
            case 2 ->
                API + "topic/"
                        + URLEncoder.encode(g.chance(50) ? "fuzz-topic" : g.string(), StandardCharsets.UTF_8)
                                .replace("+", "%20");
            case 3 -> "/" + URLEncoder.encode(g.string(), StandardCharsets.UTF_8);
            case 4 -> API + g.pick(known).toLowerCase();
            case 5 ->
                g.pick(List.of(
                        "/",
                        "/admin/",
                        "/api",
                        "/api/",
                        "/api/dtmsvr",
                        API,
                        API + "topic/",
                        "/api/json-rpc/x",
                        API + "..%2f..%2fping"));
            default -> API + g.pick(known);
        };
        if (path.length() > 20_000) { // capped like the query values: see the 414 note below
            path = path.substring(0, 20_000);
        }
        byte[] body = g.chance(50) ? g.json(2).getBytes(StandardCharsets.UTF_8) : null;
        Answer a = server.send(method, path, body);
        String what = method + " " + Gen.abbreviate(path);
        boolean ping = path.equals("/api/ping");
        boolean metrics = path.equals("/api/metrics") && method.equals("GET");
        boolean topic =
                path.startsWith(API + "topic/") && path.length() > (API + "topic/").length() && method.equals("DELETE");
        String route = path.startsWith(API) ? path.substring(API.length()) : "";
        boolean getRoute = method.equals("GET")
                && Set.of(
                                "version",
                                "newGid",
                                "query",
                                "all",
                                "resetCronTime",
                                "subscribe",
                                "unsubscribe",
                                "scanKV",
                                "queryKV")
                        .contains(route);
        boolean postRoute = method.equals("POST") && (TRANS_ROUTES.contains(route) || REGISTER_ROUTES.contains(route));
        boolean consolePage =
                (method.equals("GET") || method.equals("HEAD")) && (path.equals("/") || path.equals("/admin/"));
        if (ping) {
            assertThat(a.status()).as(what).isEqualTo(200);
            assertThat(a.body()).as(what).isEqualTo("{\"msg\":\"pong\"}");
        } else if (metrics) {
            assertThat(a.status()).as(what).isEqualTo(200);
            assertThat(a.body()).as(what).contains("dtm_server_info");
        } else if (a.status() == 414) {
            // the HTTP layer refuses a request line over 4096 bytes before any route (docs/protocol.md §2). Open: a
            // request line of hundreds of KiB gets no answer (the server closes while the client
            // still sends, and the reset discards the 414), hence paths capped at 20,000 chars
            assertThat(path.length()).as("%s → %s", what, a).isGreaterThan(4000);
        } else if (topic) {
            // docs/protocol.md §3.8: deleting an unknown topic is a 500 {"message"}
            assertThat(a.status()).as("%s → %s", what, a).isIn(200, 500);
            checkWrapped(what, a, false, true);
        } else if (getRoute || postRoute) {
            checkWrapped(what, a, false, true);
        } else if (consolePage) {
            // docs/console.md: the console's page, "/" redirects to it
            assertThat(a.status()).as("%s → %s", what, a).isEqualTo(path.equals("/") ? 302 : 200);
        } else {
            // docs/protocol.md §2: unknown routes and wrong methods are a plain-text 404
            assertThat(a.status()).as("%s → %s", what, a).isEqualTo(404);
            assertThat(a.body()).as(what).isEqualTo("404 page not found");
        }
    }

    /**
     * Malformed HTTP on a raw socket: broken chunks, bad or conflicting lengths, bad header lines,
     * odd request lines, huge headers (docs/protocol.md §2: 400/414/431 with Connection: close, or
     * the route's own answer when the HTTP layer reads the request after all); never no answer,
     * never a 5xx, never 200 for a body that was not read.
     */
    @Test
    void malformedHttp() {
        property("malformedHttp", 300, this::malformedHttp);
    }

    private void malformedHttp(int i) {
        Gen g = gen("malformedHttp", i);
        String path = g.pick(List.of("/api/ping", API + "submit", API + "noSuchRoute"));
        // no gid: submit answers 400 when it reads this body, so a 200 there would be a body not read
        String body =
                "{\"trans_type\":\"saga\",\"steps\":[],\"payloads\":[],\"custom_data\":\"" + "c".repeat(i) + "\"}";
        String head =
                "POST " + path + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\nContent-Type: application/json\r\n";
        boolean refused; // the HTTP layer must refuse it: 400/414/431 with Connection: close
        String request;
        switch (g.r.nextInt(8)) {
            case 0 -> {
                String size = g.pick(List.of("zz", "-1", "ffffffffffffffffffff", "0x10", " ", "g"));
                request = head + "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + body + "\r\n0\r\n\r\n";
                refused = true;
            }
            case 1 -> {
                String lengths = g.pick(List.of(
                        "Content-Length: 2\r\nContent-Length: 3\r\n",
                        "Content-Length: abc\r\n",
                        "Content-Length: -5\r\n",
                        "Content-Length: 99999999999999999999\r\n"));
                request = head + lengths + "\r\n" + body;
                refused = true;
            }
            case 2 -> {
                String line = g.pick(List.of("Bad Header", "X Y: z", ": empty-name", "X-A\u0000: b", "X-B: c\rd"));
                request = head + line + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
                refused = line.equals("Bad Header"); // Netty reads the others as odd headers
            }
            case 3 -> {
                request = head.replace("POST " + path, "POST " + path + "/" + "a".repeat(g.between(4100, 9000)))
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
                refused = true;
            }
            case 4 -> {
                request = head + "X-Big: " + "b".repeat(g.between(9000, 20_000)) + "\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body;
                refused = true;
            }
            case 5 -> { // request lines some parsers refuse and others read
                String line = g.pick(List.of(
                        "POST " + path + " HTTP/1.1",
                        "post " + path + " HTTP/1.1",
                        "POST http://fuzz" + path + " HTTP/1.1",
                        "POST " + path + "?a=%zz HTTP/1.1",
                        "POST " + path + " HTTP/1.0",
                        "POST " + path + " HTTP/2.0",
                        "POST  " + path + "  HTTP/1.1",
                        "POST " + path + " HTTP/1.1 extra",
                        "POST /api/p ing HTTP/1.1",
                        "POST " + path + "\u0001 HTTP/1.1"));
                request = head.replace("POST " + path + " HTTP/1.1", line) + "Content-Length: " + body.length()
                        + "\r\n\r\n" + body;
                refused = false;
            }
            case 6 -> { // chunked and a length at once (request smuggling shape)
                request = head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
                refused = false;
            }
            default -> { // well-formed, chunked into odd pieces
                StringBuilder b = new StringBuilder(head + "Transfer-Encoding: chunked\r\n\r\n");
                for (int k = 0; k < body.length(); ) {
                    int n = Math.min(body.length() - k, g.between(1, 7));
                    b.append(Integer.toHexString(n))
                            .append(g.chance(20) ? ";ext=1" : "")
                            .append("\r\n")
                            .append(body, k, k + n)
                            .append("\r\n");
                    k += n;
                }
                request = b.append("0\r\n\r\n").toString();
                refused = false;
            }
        }
        String answer = server.sendRaw(request.getBytes(StandardCharsets.ISO_8859_1));
        String what = "raw " + Gen.abbreviate(request.replace("\r\n", "⏎"), 160);
        assertThat(answer).as("%s: no answer", what).isNotEmpty();
        var m = Pattern.compile("^HTTP/[0-9.]+ (\\d{3}) ").matcher(answer);
        assertThat(m.find())
                .as("%s → %s: no status line", what, Gen.abbreviate(answer, 300))
                .isTrue();
        int status = Integer.parseInt(m.group(1));
        String shown = Gen.abbreviate(answer, 300);
        if (request.contains(" HTTP/2.0\r\n")) {
            // docs/protocol.md §2: an HTTP version other than 1.x is refused with 501 by Vert.x (Go: 505,
            // which RFC 9110 (section 15.6.6) defines as a 5xx): a refusal, not a server error
            assertThat(status).as("%s → %s", what, shown).isEqualTo(501);
            return;
        }
        assertThat(status).as("%s → %s", what, shown).isIn(200, 400, 404, 414, 431);
        boolean malformed = answer.contains("{\"message\":\"malformed HTTP request");
        if (refused) {
            assertThat(status).as("%s → %s", what, shown).isIn(400, 414, 431);
        }
        if (refused || malformed) {
            assertThat(malformed).as("%s → %s: no message", what, shown).isTrue();
            assertThat(answer.toLowerCase()).as("%s → %s", what, shown).contains("connection: close");
        }
        if (status == 200) {
            assertThat(path).as("%s → %s: 200", what, shown).isEqualTo("/api/ping");
        }
    }

    /** Bodies over the 4 MiB limit (docs/protocol.md §2, 413) on every POST route, with and without a length; and just under it. */
    @Test
    void oversizedBodies() {
        property("oversizedBodies", 30, this::oversizedBodies);
    }

    private void oversizedBodies(int i) {
        Gen g = gen("oversizedBodies", i);
        List<String> posts = new ArrayList<>(TRANS_ROUTES);
        posts.addAll(REGISTER_ROUTES);
        String path = i % 10 == 9 ? "/api/json-rpc" : API + posts.get(i % posts.size());
        int limit = 4 << 20;
        boolean over = i < 20;
        int size = over ? limit + g.between(1, 5000) : limit - g.between(200, 5000);
        String gid = "big-" + i;
        String head = "{\"gid\":\"" + gid
                + "\",\"trans_type\":\"saga\",\"steps\":[{\"action\":\"http://127.0.0.1:1/a\",\"compensate\":\"http://127.0.0.1:1/c\"}],\"payloads\":[\"";
        String tail = "\"]}";
        String text = head + "p".repeat(size - head.length() - tail.length()) + tail;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Answer a;
        if (over && g.r.nextBoolean()) { // chunked: no Content-Length to refuse up front
            a = server.sendStream("POST", path, () -> new ByteArrayInputStream(bytes));
        } else {
            a = server.send("POST", path, bytes);
        }
        String what = "POST " + path + " with " + bytes.length + " bytes";
        if (over) {
            assertThat(a.status()).as("%s → %s", what, a).isEqualTo(413);
            assertThat(a.message()).as(what).isNotEmpty();
            server.record(gid, what, a);
        } else if (path.equals("/api/json-rpc")) {
            assertThat(a.status()).as("%s → %s", what, a).isIn(200, 400);
        } else {
            assertThat(a.status()).as("%s → %s", what, a).isNotEqualTo(413);
            checkWrapped(what, a, false, true);
            server.record(gid, what, a);
        }
    }

    /**
     * Checks an answer of a {@code /api/dtmsvr} route against the wrapper of docs/protocol.md §2: a documented
     * status, JSON body, {@code dtm_result} by status, never 200 for an invalid request.
     */
    static void checkWrapped(String what, Answer a, boolean invalid, boolean plain) {
        assertThat(a.status()).as("%s → %s", what, a).isIn(200, 400, 409, 425, 500);
        if (invalid) {
            assertThat(a.status())
                    .as("%s → %s: accepted an invalid request", what, a)
                    .isNotEqualTo(200);
        }
        assertThat(a.contentType()).as("%s → %s", what, a).startsWith("application/json");
        var n = a.json();
        assertThat(n.isObject()).as("%s → %s: not a JSON object", what, a).isTrue();
        switch (a.status()) {
            case 200 -> {
                if (plain && n.has("dtm_result")) { // a plain success never says FAILURE (docs/protocol.md §2)
                    assertThat(n.path("dtm_result").asText()).as(what).isEqualTo("SUCCESS");
                    assertThat(a.body()).as(what).doesNotContain("FAILURE");
                }
            }
            case 409 -> assertThat(n.path("dtm_result").asText()).as(what).isEqualTo("FAILURE");
            case 425 -> assertThat(n.path("dtm_result").asText()).as(what).isEqualTo("ONGOING");
            default ->
                assertThat(n.path("message").isTextual())
                        .as("%s → %s: no message", what, a)
                        .isTrue();
        }
    }
}
