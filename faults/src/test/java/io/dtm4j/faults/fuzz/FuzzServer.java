package io.dtm4j.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.ServerProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One real server process (embedded store in a temporary directory, HTTP and gRPC on free ports)
 * shared by the fuzz properties of a class, with a raw HTTP client that counts what it sends, a
 * gRPC channel, a record of the answers each gid got, and the checks of what the store holds.
 */
final class FuzzServer implements AutoCloseable {
    /** The run seed: {@code -Ddtm4j.fuzz.seed=…} replays a run; printed at start. */
    static final long SEED = Long.getLong("dtm4j.fuzz.seed", 20260521L);

    static final Set<String> STATUSES = Set.of("prepared", "submitted", "aborting", "succeed", "failed");

    /**
     * 500 answers that reject a request before anything is written (docs/protocol.md §2 error
     * table, kept from dtm): an unknown trans type, a topic without subscribers, an unknown gid, a
     * query without gid.
     */
    static final Pattern REJECTED_500 = Pattern.compile(
            "^(unknow trans type: .*|topic not found|no TransGlobal with gid: .* found|no gid specified)$",
            Pattern.DOTALL);

    private final Path dir;
    private final ServerProcess process;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final String base;
    final int grpcPort;
    final ManagedChannel channel;
    /** Requests sent to this server by the properties (pings and checks not counted). */
    private final AtomicLong sent = new AtomicLong();
    /** Per stored (stripped) gid: the answers its requests got. */
    private final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    /** Gids that got a branch by registerBranch, whatever their type (see {@link #assertWhole}). */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();
    /** Gids some request may have written. */
    private final Set<String> mayExist = ConcurrentHashMap.newKeySet();

    /** An HTTP answer. */
    record Answer(int status, String body, String contentType) {
        JsonNode json() {
            return Json.read(body);
        }

        String message() {
            return json().path("message").asText("");
        }

        @Override
        public String toString() {
            return status + " " + Gen.abbreviate(body);
        }
    }

    FuzzServer() {
        try {
            dir = Files.createTempDirectory("dtm4j-fuzz-");
            Files.createDirectories(dir.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        grpcPort = freePort();
        Map<String, String> env = new HashMap<>();
        env.put("GRPC_PORT", String.valueOf(grpcPort));
        env.put("MAX_RETRY_INTERVAL", "60");
        env.put("REQUEST_TIMEOUT", "1");
        process = new ServerProcess(dir.resolve("data"), env).start();
        base = process.dtm().replace("/api/dtmsvr", "");
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort)
                .usePlaintext()
                .maxInboundMessageSize(16 << 20)
                .build();
        System.out.println("fuzz: seed " + SEED + " (replay with -Ddtm4j.fuzz.seed=" + SEED + "), server " + base
                + ", gRPC port " + grpcPort);
    }

    /** Sends {@code body} (null: none) with {@code method} to {@code path}; counted. */
    Answer send(String method, String path, byte[] body) {
        count();
        return raw(method, path, body);
    }

    /** Sends a body of unknown length (chunked); counted. */
    Answer sendStream(String method, String path, java.util.function.Supplier<java.io.InputStream> body) {
        count();
        var req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofInputStream(body));
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    r.statusCode(),
                    r.body(),
                    r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            // the server may answer 413 and close before the whole body is sent
            throw new AssertionError(method + " " + path + " (chunked) failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Counts one request sent some other way (gRPC). */
    void count() {
        sent.incrementAndGet();
    }

    /** Requests the properties sent to this server. */
    long sent() {
        return sent.get();
    }

    Answer post(String path, String body) {
        return send("POST", path, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The request before the current one and its answer: a connection the server closed after it shows here. */
    private volatile String previous = "";

    private Answer raw(String method, String path, byte[] body) {
        var req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            req.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            var a = new Answer(
                    r.statusCode(),
                    r.body(),
                    r.headers().firstValue("Content-Type").orElse(""));
            previous = method + " " + Gen.abbreviate(path) + " → " + a + " "
                    + r.headers().map();
            return a;
        } catch (IOException e) {
            throw new AssertionError(
                    method + " " + path + " failed: " + e + "; the request before: " + previous + "; server output:\n"
                            + tail(process.output()),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Asserts that the server is alive and answers ping (not counted). */
    void assertAlive() {
        Answer pong = raw("GET", "/api/ping", null);
        assertThat(pong.status())
                .as("ping; server output:\n%s", tail(process.output()))
                .isEqualTo(200);
        assertThat(pong.body()).isEqualTo("{\"msg\":\"pong\"}");
    }

    /** Asserts that the server logged no unexpected exception of an API handler or a round. */
    void assertNoErrorsLogged() {
        List<String> errors = process.output()
                .lines()
                .filter(l -> l.contains(" ERROR ") && l.contains("io.dtm4j"))
                .toList();
        assertThat(errors)
                .as("errors the server logged; its output:\n%s", tail(process.output()))
                .isEmpty();
    }

    /** The gid as the server stores it (docs/protocol.md §3.2: {@code \n}, {@code \r}, {@code ;} stripped). */
    static String stored(String gid) {
        return gid.replace("\n", "").replace("\r", "").replace(";", "");
    }

    /**
     * Records the answer a request about {@code gid} got. {@code rejected}: the answer says
     * nothing was written (docs/protocol.md §2: 400, 413, and the 500s of {@link #REJECTED_500}).
     */
    void record(String gid, String what, Answer a) {
        record(gid, what + " → " + a, rejected(a));
    }

    void record(String gid, String what, boolean rejected) {
        String g = stored(gid);
        if (g.isEmpty() || g.length() > 128) {
            return;
        }
        answers.computeIfAbsent(g, k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                .add(what);
        if (!rejected) {
            mayExist.add(g);
        }
    }

    /** Records that a registerBranch for {@code gid} succeeded. */
    void branchRegistered(String gid) {
        registered.add(stored(gid));
    }

    static boolean rejected(Answer a) {
        return a.status() == 400
                || a.status() == 413
                || a.status() == 404
                || (a.status() == 500 && REJECTED_500.matcher(a.message()).matches());
    }

    JsonNode query(String gid) {
        Answer a = raw("GET", "/api/dtmsvr/query?gid=" + URLEncoder.encode(gid, StandardCharsets.UTF_8), null);
        assertThat(a.status()).as("query %s: %s", gid, a).isEqualTo(200);
        return a.json();
    }

    /**
     * Checks every gid recorded so far: absent when each of its requests was rejected, else absent
     * or whole ({@link #assertWhole}). Returns how many were checked.
     */
    int checkRecordedGids() {
        int n = 0;
        for (var e : answers.entrySet()) {
            String gid = e.getKey();
            if (!addressable(gid)) {
                continue; // cannot be named in a query string; the listing scan still sees it
            }
            JsonNode q = query(gid);
            JsonNode t = q.path("transaction");
            if (!mayExist.contains(gid)) {
                assertThat(t.isNull() && q.path("branches").isEmpty())
                        .as(
                                "gid %s: every request was rejected, yet the store holds %s; answers: %s",
                                gid, q, e.getValue())
                        .isTrue();
            } else if (!t.isNull()) {
                assertWhole(t, q.path("branches"), registered.contains(gid), "gid " + gid + " answers " + e.getValue());
            }
            n++;
        }
        return n;
    }

    /** Whether {@code gid} survives a trip through a query string and the store unchanged. */
    private static boolean addressable(String gid) {
        for (int i = 0; i < gid.length(); i++) {
            char c = gid.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c)
                        || i + 1 >= gid.length()
                        || !Character.isLowSurrogate(gid.charAt(i + 1))) {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    /**
     * Asserts that a stored transaction is whole: known type and status, and the branch rows of its
     * type complete (docs/protocol.md §7): saga a compensate and an action per branch id 01…n, msg
     * action rows, no duplicate (id, op) row, no blank op. {@code registered}: registerBranch added
     * rows, which it builds from the request's trans_type whatever the stored type (docs/protocol.md
     * docs/protocol.md §3.6, as dtm: it checks only that the global is prepared, and prepare accepts a saga or a msg),
     * so only the no-duplicate and no-blank checks apply.
     */
    static void assertWhole(JsonNode t, JsonNode branches, boolean registered, String context) {
        String gid = t.path("gid").asText();
        String type = t.path("trans_type").asText();
        assertThat(Gen.TYPES).as("trans_type of %s", context).contains(type);
        assertThat(STATUSES)
                .as("status of %s", context)
                .contains(t.path("status").asText());
        Map<String, List<String>> ops = new java.util.TreeMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (JsonNode b : branches) {
            assertThat(b.path("gid").asText()).as("branch gid in %s", context).isEqualTo(gid);
            String id = b.path("branch_id").asText();
            String op = b.path("op").asText();
            assertThat(seen.add(id + "/" + op))
                    .as("duplicate row %s/%s in %s", id, op, context)
                    .isTrue();
            ops.computeIfAbsent(id, k -> new ArrayList<>()).add(op);
        }
        switch (registered ? "registered" : type) {
            case "saga" -> {
                int i = 1;
                for (var e : ops.entrySet()) {
                    assertThat(e.getKey()).as("saga branch ids in %s", context).isEqualTo(String.format("%02d", i++));
                    assertThat(e.getValue())
                            .as("saga rows of %s in %s", e.getKey(), context)
                            .containsExactly("compensate", "action");
                }
            }
            case "msg" ->
                ops.forEach((id, o) ->
                        assertThat(o).as("msg rows of %s in %s", id, context).containsOnly("action"));
            default ->
                // tcc, xa, workflow: registerBranch builds the rows of the request's trans_type, not
                // of the stored one (docs/protocol.md §3.6, as dtm), so a tcc global may hold xa or
                // workflow rows: only the no-duplicate check above and no blank op apply
                ops.forEach((id, o) ->
                        assertThat(o).as("rows of %s in %s", id, context).doesNotContain(""));
        }
    }

    /** Pages through {@code /api/dtmsvr/all} and checks every listed transaction; returns how many. */
    int scanAll() {
        int n = 0;
        String position = "";
        for (int page = 0; page < 10_000; page++) {
            Answer a = raw("GET", "/api/dtmsvr/all?limit=200&position=" + position, null);
            assertThat(a.status()).as("all: %s", a).isEqualTo(200);
            for (JsonNode t : a.json().path("transactions")) {
                String gid = t.path("gid").asText();
                if (addressable(gid)) {
                    JsonNode q = query(gid);
                    if (!q.path("transaction").isNull()) {
                        assertWhole(
                                q.path("transaction"),
                                q.path("branches"),
                                registered.contains(gid),
                                "listed gid " + gid);
                    }
                } else {
                    assertWhole(
                            t,
                            com.fasterxml.jackson.databind.node.MissingNode.getInstance(),
                            registered.contains(gid),
                            "listed gid " + gid);
                }
                n++;
            }
            position = a.json().path("next_position").asText("");
            if (position.isEmpty()) {
                return n;
            }
        }
        throw new AssertionError("all: no last page after 10000 pages");
    }

    /**
     * Writes {@code request} as it is on a new connection and returns everything the server sent
     * until it closed (empty: no answer); counted. The request must ask for {@code Connection:
     * close}: half-closing instead would make the server drop the connection before it answers.
     */
    String sendRaw(byte[] request) {
        count();
        URI uri = URI.create(base);
        try (var socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request);
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("no end of the answer within 20 s", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String output() {
        return process.output();
    }

    static String tail(String s) {
        return s.length() <= 8000 ? s : "…" + s.substring(s.length() - 8000);
    }

    private static int freePort() {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.close();
    }
}
