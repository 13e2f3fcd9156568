package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.Dtm4jServer;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The HTTP API of docs/protocol.md §3 and the API, topic and store scenarios of §19.6. */
class ApiTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final String JSON = "application/json; charset=utf-8";
    static final TestServer dtm = new TestServer();
    static final BusinessStub busi = new BusinessStub();

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    Trans saga(String id) {
        return Trans.saga(id).step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD);
    }

    /** Submits a one-step saga and waits until it succeeded. */
    void succeededSaga(String id) {
        var r = dtm.post("/api/dtmsvr/submit", saga(id).set("wait_result", true).body());
        assertThat(r.body()).isEqualTo(SUCCESS);
    }

    /** Submits a one-step saga whose action is ONGOING once; it stays submitted, next visit at +interval. */
    void ongoingSaga(String id, long retryInterval) {
        busi.scriptFor(id, "TransOut", Reply.ONGOING);
        var t = saga(id).set("wait_result", true);
        if (retryInterval > 0) {
            t.set("retry_interval", retryInterval);
        }
        assertThat(dtm.post("/api/dtmsvr/submit", t.body()).status()).isEqualTo(409);
        assertThat(dtm.status(id)).isEqualTo("submitted");
    }

    static String failure(String message) {
        return "{\"dtm_result\":\"FAILURE\",\"message\":\"" + message + "\"}";
    }

    static String error(String message) {
        return "{\"message\":\"" + message + "\"}";
    }

    void assertResponse(TestServer.Response r, int status, String body) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).isEqualTo(body);
        assertThat(r.contentType()).isEqualTo(JSON);
    }

    @Test
    void versionReportsTheServerVersion() {
        assertResponse(dtm.get("/api/dtmsvr/version"), 200, "{\"version\":\"" + Dtm4jServer.version() + "\"}");
    }

    @Test
    void newGidReturnsUnique22CharacterGids() {
        Set<String> gids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            var r = dtm.get("/api/dtmsvr/newGid");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.contentType()).isEqualTo(JSON);
            JsonNode n = dtm.parse(r.body());
            assertThat(n.path("dtm_result").asText()).isEqualTo("SUCCESS");
            assertThat(n.path("gid").asText()).hasSize(22).matches("[0-9A-Za-z]+");
            gids.add(n.path("gid").asText());
        }
        assertThat(gids).hasSize(50);
    }

    @Test
    void pingAnswersPong() {
        assertResponse(dtm.get("/api/ping"), 200, "{\"msg\":\"pong\"}");
        assertResponse(dtm.post("/api/ping", "{}"), 200, "{\"msg\":\"pong\"}");
    }

    @Test
    void queryWithoutGidIsAnError() {
        assertResponse(dtm.get("/api/dtmsvr/query"), 500, error("no gid specified"));
        assertResponse(dtm.get("/api/dtmsvr/query?gid="), 500, error("no gid specified"));
    }

    @Test
    void queryOfAnUnknownGidReturnsNullAndNoBranches() {
        // dtm answers a Go map, whose keys encoding/json writes sorted: branches first
        assertResponse(dtm.get("/api/dtmsvr/query?gid=" + gid), 200, "{\"branches\":[],\"transaction\":null}");
    }

    @Test
    void queryReturnsTheTransactionAndItsBranchesInStorageOrder() {
        succeededSaga(gid);

        JsonNode q = dtm.query(gid);
        JsonNode t = q.path("transaction");
        assertThat(t.path("gid").asText()).isEqualTo(gid);
        assertThat(t.path("trans_type").asText()).isEqualTo("saga");
        assertThat(t.path("status").asText()).isEqualTo("succeed");
        assertThat(t.path("protocol").asText()).isEqualTo("http");
        assertThat(t.path("options").asText()).isEqualTo("{\"wait_result\":true,\"concurrent\":false}");
        assertThat(t.path("next_cron_interval").asLong()).isEqualTo(10);
        assertThat(t.has("finish_time")).isTrue();
        assertThat(t.has("rollback_reason")).isFalse();
        assertThat(t.path("concurrent").isBoolean()).isTrue();
        List<String> rows = new ArrayList<>();
        for (JsonNode b : q.path("branches")) {
            rows.add(b.path("branch_id").asText() + " " + b.path("op").asText() + " "
                    + b.path("status").asText() + " " + b.path("bin_data").asText());
        }
        assertThat(rows)
                .containsExactly(
                        "01 compensate prepared eyJhbW91bnQiOjMwfQ==", "01 action succeed eyJhbW91bnQiOjMwfQ==");
    }

    @Test
    void allPagesThroughTransactionsNewestFirst() {
        for (int i = 0; i < 3; i++) {
            succeededSaga(gid + i);
        }

        JsonNode first = dtm.parse(dtm.get("/api/dtmsvr/all?limit=1").body());
        assertThat(first.path("transactions")).hasSize(1);
        String p1 = first.path("next_position").asText();
        assertThat(p1).isNotEmpty();
        JsonNode second =
                dtm.parse(dtm.get("/api/dtmsvr/all?limit=1&position=" + p1).body());
        assertThat(second.path("transactions")).hasSize(1);
        assertThat(second.path("next_position").asText()).isNotEmpty().isNotEqualTo(p1);
        assertThat(second.path("transactions").get(0).path("gid").asText())
                .isNotEqualTo(first.path("transactions").get(0).path("gid").asText());

        JsonNode everything = dtm.parse(dtm.get("/api/dtmsvr/all?limit=10000").body());
        assertThat(everything.path("next_position").asText()).isEmpty();
        List<String> gids = new ArrayList<>();
        everything.path("transactions").forEach(t -> gids.add(t.path("gid").asText()));
        assertThat(gids).containsSubsequence(gid + 2, gid + 1, gid + 0);
    }

    @Test
    void allWithAGidReturnsThatTransactionOnly() {
        succeededSaga(gid);

        var r = dtm.get("/api/dtmsvr/all?gid=" + gid + "&position=7");
        assertThat(r.contentType()).isEqualTo(JSON);
        JsonNode n = dtm.parse(r.body());
        assertThat(n.path("transactions")).hasSize(1);
        assertThat(n.path("transactions").get(0).path("gid").asText()).isEqualTo(gid);
        assertThat(n.path("next_position").asText()).isEqualTo("7");

        assertResponse(
                dtm.get("/api/dtmsvr/all?gid=" + gid + "Unknown"),
                200,
                "{\"transactions\":null,\"next_position\":\"\"}");
    }

    @Test
    void allFiltersByStatusTypeAndCreateTime() {
        succeededSaga(gid);
        ongoingSaga(gid + "Stopped", 0);
        dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid + "Stopped"));
        long nowMs = dtm.clock.millis();

        JsonNode failed = dtm.parse(dtm.get("/api/dtmsvr/all?status=failed").body());
        assertThat(failed.path("transactions"))
                .isNotEmpty()
                .allSatisfy(t -> assertThat(t.path("status").asText()).isEqualTo("failed"));
        assertThat(gidsOf(failed)).contains(gid + "Stopped").doesNotContain(gid);

        JsonNode sagas = dtm.parse(dtm.get("/api/dtmsvr/all?transType=saga").body());
        assertThat(gidsOf(sagas)).contains(gid, gid + "Stopped");
        JsonNode msgs = dtm.parse(dtm.get("/api/dtmsvr/all?transType=msg").body());
        assertThat(msgs.path("transactions"))
                .allSatisfy(t -> assertThat(t.path("trans_type").asText()).isEqualTo("msg"));
        assertThat(gidsOf(msgs)).doesNotContain(gid);

        JsonNode window = dtm.parse(
                dtm.get("/api/dtmsvr/all?createTimeStart=" + (nowMs - 1000) + "&createTimeEnd=" + (nowMs + 1000))
                        .body());
        assertThat(gidsOf(window)).contains(gid, gid + "Stopped");
        assertResponse(
                dtm.get("/api/dtmsvr/all?createTimeStart=" + (nowMs - 600_000) + "&createTimeEnd=" + (nowMs - 300_000)),
                200,
                "{\"transactions\":[],\"next_position\":\"\"}");
    }

    static List<String> gidsOf(JsonNode all) {
        List<String> gids = new ArrayList<>();
        all.path("transactions").forEach(t -> gids.add(t.path("gid").asText()));
        return gids;
    }

    @Test
    void resetCronTimePullsFarRetriesBackToNow() {
        ongoingSaga(gid + "A", 1000);
        ongoingSaga(gid + "B", 1000);
        String created = dtm.transaction(gid + "A").path("create_time").asText();
        assertThat(dtm.transaction(gid + "A").path("next_cron_time").asText()).isNotEqualTo(created);

        assertResponse(
                dtm.get("/api/dtmsvr/resetCronTime?timeout=100&limit=1"),
                200,
                "{\"has_remaining\":true,\"succeed_count\":1}");
        assertResponse(
                dtm.get("/api/dtmsvr/resetCronTime?timeout=100&limit=10"),
                200,
                "{\"has_remaining\":false,\"succeed_count\":1}");
        assertResponse(dtm.get("/api/dtmsvr/resetCronTime"), 200, "{\"has_remaining\":false,\"succeed_count\":0}");
        assertThat(dtm.transaction(gid + "A").path("next_cron_time").asText()).isEqualTo(created);
        assertThat(dtm.transaction(gid + "B").path("next_cron_time").asText()).isEqualTo(created);

        dtm.cron(Duration.ofSeconds(1));
        assertThat(dtm.status(gid + "A")).isEqualTo("succeed");
        assertThat(dtm.status(gid + "B")).isEqualTo("succeed");
    }

    @Test
    void resetNextCronTimeMakesOneTransactionDueNow() {
        ongoingSaga(gid, 1000);
        JsonNode before = dtm.transaction(gid);
        assertThat(before.path("next_cron_interval").asLong()).isEqualTo(1000);

        assertResponse(dtm.post("/api/dtmsvr/resetNextCronTime", Map.of("gid", gid)), 200, SUCCESS);

        assertThat(dtm.transaction(gid).path("next_cron_time").asText())
                .isEqualTo(before.path("create_time").asText());
        assertResponse(
                dtm.post("/api/dtmsvr/resetNextCronTime", Map.of("gid", gid + "Unknown")),
                500,
                error("no TransGlobal with gid: " + gid + "Unknown found"));
        dtm.cron(Duration.ofSeconds(1));
        assertThat(dtm.status(gid)).isEqualTo("succeed");
    }

    @Test
    void forceStopFailsAnUnfinishedTransactionWithoutCallingBranches() {
        ongoingSaga(gid, 0);

        assertResponse(dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid)), 200, SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        assertThat(dtm.transaction(gid).has("rollback_time")).isTrue();
        dtm.cron();
        assertThat(busi.trail(gid)).containsExactly("TransOut action");
        assertResponse(
                dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid + "Unknown")),
                500,
                error("no TransGlobal with gid: " + gid + "Unknown found"));
    }

    @Test
    void forceStopOfAFinishedTransactionIsRefused() {
        succeededSaga(gid);

        assertResponse(
                dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid)),
                409,
                failure("global transaction force stop error. status: succeed. error: FAILURE"));
        assertThat(dtm.status(gid)).isEqualTo("succeed");
    }

    @Test
    void prepareSubmitAndAbortOfAFinishedSagaAreRefused() {
        succeededSaga(gid);

        assertResponse(
                dtm.post("/api/dtmsvr/prepare", saga(gid).body()),
                409,
                failure("current status 'succeed', cannot prepare. FAILURE"));
        assertResponse(
                dtm.post("/api/dtmsvr/submit", saga(gid).body()),
                409,
                failure("current status 'succeed', cannot sumbmit. FAILURE"));
        assertResponse(
                dtm.post("/api/dtmsvr/abort", saga(gid).body()),
                409,
                failure("trans type: 'saga' current status 'succeed', cannot abort. FAILURE"));
        assertResponse(
                dtm.post("/api/dtmsvr/abort", Map.of("gid", gid + "Unknown", "trans_type", "saga")),
                500,
                error("no TransGlobal with gid: " + gid + "Unknown found"));
        assertThat(busi.trail(gid)).containsExactly("TransOut action");
    }

    @Test
    void abortOfASubmittedSagaIsRefused() {
        ongoingSaga(gid, 0);

        assertResponse(
                dtm.post("/api/dtmsvr/abort", saga(gid).body()),
                409,
                failure("trans type: 'saga' current status 'submitted', cannot abort. FAILURE"));
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
    }

    TestServer.Response subscribe(String topic, String url) {
        return dtm.get("/api/dtmsvr/subscribe?topic=" + topic + "&url=" + url + "&remark=r");
    }

    TestServer.Response unsubscribe(String topic, String url) {
        return dtm.get("/api/dtmsvr/unsubscribe?topic=" + topic + "&url=" + url);
    }

    TestServer.Response deleteTopic(String topic) {
        return dtm.send(HttpRequest.newBuilder(URI.create(dtm.baseUrl() + "/api/dtmsvr/topic/" + topic))
                .DELETE());
    }

    @Test
    void topicsCanBeSubscribedUnsubscribedAndDeleted() {
        String topic = gid;
        String out = busi.url("TransOut");
        String in = busi.url("TransIn");

        assertResponse(subscribe(topic, out), 200, SUCCESS);
        assertResponse(subscribe(topic, in), 200, SUCCESS);
        assertResponse(subscribe(topic, out), 500, error("this url exists"));
        assertResponse(subscribe("", out), 500, error("empty topic"));
        assertResponse(subscribe(topic, ""), 500, error("empty url"));

        assertResponse(unsubscribe(topic, in), 200, SUCCESS);
        assertResponse(unsubscribe(topic, in), 500, error("no such an url "));
        assertResponse(unsubscribe(topic + "Unknown", in), 500, error("no such a topic"));

        var msg = Trans.msg(gid + "Msg").step("topic://" + topic, PAYLOAD);
        assertResponse(dtm.post("/api/dtmsvr/submit", msg.body()), 200, SUCCESS);
        await().until(() -> dtm.status(gid + "Msg").equals("succeed"));
        assertThat(busi.trail(gid + "Msg")).containsExactly("TransOut action");

        var unknown = deleteTopic(topic + "Unknown");
        assertThat(unknown.status()).isEqualTo(500);
        assertThat(dtm.parse(unknown.body()).path("message").asText()).contains("no such a topic");
        assertResponse(deleteTopic(topic), 200, SUCCESS);

        var after = Trans.msg(gid + "AfterDelete").step("topic://" + topic, PAYLOAD);
        assertResponse(dtm.post("/api/dtmsvr/submit", after.body()), 500, error("topic not found"));
        assertThat(dtm.transaction(gid + "AfterDelete").isNull()).isTrue();
    }

    @Test
    void kvOfTopicsCanBeScannedAndQueried() {
        for (int i = 0; i < 3; i++) {
            assertThat(subscribe(gid + i, busi.url("TransIn")).body()).isEqualTo(SUCCESS);
        }

        JsonNode first =
                dtm.parse(dtm.get("/api/dtmsvr/scanKV?cat=topics&limit=1").body());
        assertThat(first.path("kv")).hasSize(1);
        String p1 = first.path("next_position").asText();
        assertThat(p1).isNotEmpty();
        JsonNode second = dtm.parse(
                dtm.get("/api/dtmsvr/scanKV?cat=topics&limit=1&position=" + p1).body());
        assertThat(second.path("kv")).hasSize(1);
        assertThat(second.path("next_position").asText()).isNotEqualTo(p1);
        JsonNode all =
                dtm.parse(dtm.get("/api/dtmsvr/scanKV?cat=topics&limit=10000").body());
        assertThat(all.path("next_position").asText()).isEmpty();

        var r = dtm.get("/api/dtmsvr/queryKV?cat=topics&key=" + gid + "1");
        assertThat(r.contentType()).isEqualTo(JSON);
        JsonNode kv = dtm.parse(r.body()).path("kv");
        assertThat(kv).hasSize(1);
        assertThat(kv.get(0).path("cat").asText()).isEqualTo("topics");
        assertThat(kv.get(0).path("k").asText()).isEqualTo(gid + "1");
        assertThat(kv.get(0).path("v").asText())
                .isEqualTo("[{\"url\":\"" + busi.url("TransIn") + "\",\"remark\":\"r\"}]");
        assertThat(kv.get(0).path("version").asLong()).isEqualTo(1);
        assertResponse(dtm.get("/api/dtmsvr/queryKV?cat=topics&key=" + gid + "Unknown"), 200, "{\"kv\":[]}");
    }

    @Test
    void metricsExposeDtmCountersAndJvmMetrics() {
        succeededSaga(gid);

        var r = dtm.get("/api/metrics");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        assertThat(r.body())
                .contains("dtm_server_process_total")
                .contains("dtm_branch_process_total")
                .contains("dtm_transaction_process_total")
                .contains("jvm_");
    }
}
