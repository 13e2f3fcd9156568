package io.dtm4j.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.dtm4j.faults.fuzz.FuzzServer.Answer;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Races one gid per round: several threads prepare, submit and abort it at once, over HTTP and
 * gRPC, each with its own body. Every answer must be a documented one, and afterwards the stored
 * transaction must be exactly one of the requests that could create it, whole: its type, its
 * query_prepared and its branch rows (branch id, op, URL, data) those of that one request; as dtm,
 * the first writer wins and a later prepare or submit of the same gid finds it (docs/protocol.md
 * docs/protocol.md §3.3, §3.4).
 */
class RaceFuzzTest {
    static FuzzServer server;
    private static long cases;

    static final int THREADS = 6;
    static final int ROUNDS = 100;

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
            System.out.println("fuzz: RaceFuzzTest done, " + listed + " stored transactions whole");
            FuzzTotals.finished(RaceFuzzTest.class, server.sent(), cases);
        } finally {
            server.close();
        }
    }

    /** One racer's request: how it is sent, and the rows it would store if it won. */
    record Racer(
            String op,
            boolean grpc,
            String type,
            String queryPrepared,
            Set<String> rows,
            String body,
            DtmRequest message) {
        /** Whether this request may create the transaction (abort never does). */
        boolean creates() {
            return !op.equals("abort");
        }

        @Override
        public String toString() {
            return (grpc ? "gRPC " : "HTTP ") + op + " " + type + " " + queryPrepared + " " + rows;
        }
    }

    @Test
    void duplicateGids() {
        cases += Cases.ONLY == null ? ROUNDS : 1;
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            Cases.run("duplicateGids", ROUNDS, i -> round(i, pool), () -> {
                server.assertAlive();
                server.checkRecordedGids();
                server.assertNoErrorsLogged();
            });
        }
    }

    private void round(int i, ExecutorService pool) {
        Gen g = Cases.gen("duplicateGids", i);
        String gid = "race-" + FuzzServer.SEED + "-" + i;
        List<Racer> racers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            racers.add(racer(g, gid, i, t));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> answers = new ArrayList<>();
        for (Racer r : racers) {
            answers.add(pool.submit(() -> {
                go.await();
                return send(r);
            }));
        }
        go.countDown();
        List<String> got = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            try {
                got.add(racers.get(t) + " → " + answers.get(t).get());
            } catch (java.util.concurrent.ExecutionException e) {
                throw new AssertionError(racers.get(t) + ": " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        JsonNode q = server.query(gid);
        JsonNode t = q.path("transaction");
        server.record(gid, String.join("; ", got), false);
        if (t.isNull()) {
            assertThat(q.path("branches").isEmpty())
                    .as("branches without a global: %s; %s", q, got)
                    .isTrue();
            return;
        }
        FuzzServer.assertWhole(t, q.path("branches"), false, "race " + gid + ": " + got);
        Set<String> rows = new TreeSet<>();
        for (JsonNode b : q.path("branches")) {
            rows.add(row(
                    b.path("branch_id").asText(),
                    b.path("op").asText(),
                    b.path("url").asText(),
                    b.path("bin_data").asText()));
        }
        String type = t.path("trans_type").asText();
        String queryPrepared = t.path("query_prepared").asText();
        boolean one = racers.stream()
                .filter(Racer::creates)
                .anyMatch(r -> r.type().equals(type)
                        && r.queryPrepared().equals(queryPrepared)
                        && r.rows().equals(rows));
        assertThat(one)
                .as(
                        "race %s: stored %s %s with rows %s is none of the requests: %s",
                        gid, type, queryPrepared, rows, got)
                .isTrue();
    }

    private static String row(String branchId, String op, String url, String binData) {
        return branchId + "/" + op + "/" + url + "/" + binData;
    }

    /** A racer with its own steps, payloads and query_prepared, so the stored rows name it. */
    private static Racer racer(Gen g, String gid, int round, int thread) {
        String type = g.pick(List.of("saga", "msg", "msg", "tcc", "xa"));
        String op = switch (type) {
            case "saga" -> g.pick(List.of("submit", "submit", "abort", "prepare"));
            case "msg" -> g.pick(List.of("prepare", "submit", "abort"));
            default -> g.pick(List.of("prepare", "submit", "abort"));
        };
        boolean grpc = g.r.nextBoolean();
        String tag = round + "-" + thread;
        String host = grpc ? "127.0.0.1:1/race.R" + tag : "http://127.0.0.1:1/race/" + tag;
        String queryPrepared = host + "/query";
        int steps = type.equals("saga") || type.equals("msg") ? g.between(1, 3) : 0;
        Set<String> rows = new TreeSet<>();
        List<String> stepJson = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            String id = String.format("%02d", s + 1);
            String payload =
                    "{\"racer\":\"" + tag + "\",\"step\":" + s + ",\"pad\":\"" + "p".repeat(g.between(0, 200)) + "\"}";
            String data = Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
            String action = host + "/Action" + s;
            String compensate = host + "/Compensate" + s;
            rows.add(row(id, "action", action, data));
            if (type.equals("saga")) {
                rows.add(row(id, "compensate", compensate, data));
                stepJson.add("{\"action\":" + Json.quote(action) + ",\"compensate\":" + Json.quote(compensate) + "}");
            } else {
                stepJson.add("{\"action\":" + Json.quote(action) + "}");
            }
            payloads.add(payload);
        }
        String body = null;
        DtmRequest message = null;
        if (grpc) {
            var b = DtmRequest.newBuilder()
                    .setGid(gid)
                    .setTransType(type)
                    .setQueryPrepared(queryPrepared)
                    .setSteps("[" + String.join(",", stepJson) + "]");
            payloads.forEach(p -> b.addBinPayloads(ByteString.copyFromUtf8(p)));
            message = b.build();
        } else {
            StringBuilder pl = new StringBuilder("[");
            for (String p : payloads) {
                pl.append(pl.length() > 1 ? "," : "").append(Json.quote(p));
            }
            body = "{\"gid\":" + Json.quote(gid) + ",\"trans_type\":\"" + type + "\",\"query_prepared\":"
                    + Json.quote(queryPrepared) + ",\"steps\":[" + String.join(",", stepJson) + "],\"payloads\":"
                    + pl + "]}";
        }
        return new Racer(op, grpc, type, queryPrepared, rows, body, message);
    }

    /** Sends a racer's request and checks that its answer is documented; returns the answer's text. */
    private static String send(Racer r) {
        if (r.grpc()) {
            MethodDescriptor<?, ?> method = switch (r.op()) {
                case "prepare" -> DtmGrpc.getPrepareMethod();
                case "submit" -> DtmGrpc.getSubmitMethod();
                default -> DtmGrpc.getAbortMethod();
            };
            Status s = GrpcFuzzTest.call(server, method, r.message().toByteArray());
            GrpcFuzzTest.checkDocumented(r.toString(), s, false);
            return s.toString();
        }
        Answer a = server.post(HttpFuzzTest.API + r.op(), r.body());
        HttpFuzzTest.checkWrapped(r.toString(), a, false, true);
        if (a.status() == 500) {
            assertThat(a.message()).as("%s → %s: an undocumented 500", r, a).matches(HttpFuzzTest.DOCUMENTED_500);
        }
        return a.toString();
    }
}
