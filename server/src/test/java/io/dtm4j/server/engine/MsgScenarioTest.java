package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The two-phase message scenarios of dtm's test-suite (docs/protocol.md §19.2) that need no client
 * SDK, over HTTP.
 */
class MsgScenarioTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer();
    static final TestServer alerting = new TestServer(c -> Configs.alerts(c, busi.url("alert"), 3));

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        alerting.close();
        busi.close();
    }

    Trans transfer() {
        return Trans.msg(gid)
                .step(busi.url("TransOut"), PAYLOAD)
                .step(busi.url("TransIn"), PAYLOAD)
                .set("query_prepared", busi.url("QueryPrepared"));
    }

    TestServer.Response prepare(Trans t) {
        return dtm.post("/api/dtmsvr/prepare", t.body());
    }

    TestServer.Response submit(Trans t) {
        return dtm.post("/api/dtmsvr/submit", t.body());
    }

    static String failed(String message) {
        return "{\"dtm_result\":\"FAILURE\",\"message\":\"" + message + "\"}";
    }

    void assertCheckBack(BusinessStub.Call call) {
        assertThat(call.endpoint()).isEqualTo("QueryPrepared");
        assertThat(call.method()).isEqualTo("GET");
        assertThat(call.body()).isEmpty();
        assertThat(call.query()).isEqualTo(Map.of("gid", gid, "trans_type", "msg", "branch_id", "00", "op", "msg"));
    }

    @Test
    void msgToATopicCallsEverySubscriber() {
        String topic = gid + "Topic";
        assertThat(dtm.get("/api/dtmsvr/subscribe?topic=" + topic + "&url=" + busi.url("TransOut") + "&remark=out")
                        .body())
                .isEqualTo(SUCCESS);
        assertThat(dtm.get("/api/dtmsvr/subscribe?topic=" + topic + "&url=" + busi.url("TransIn") + "&remark=in")
                        .body())
                .isEqualTo(SUCCESS);
        busi.scriptFor(gid, "TransOut", Reply.slow(Duration.ofMillis(500)));
        var t = Trans.msg(gid).step("topic://" + topic, PAYLOAD).set("query_prepared", busi.url("QueryPrepared"));

        assertThat(prepare(t).body()).isEqualTo(SUCCESS);
        assertThat(submit(t).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("submitted");
        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        List<String> ids = new ArrayList<>();
        for (JsonNode b : dtm.query(gid).path("branches")) {
            ids.add(b.path("branch_id").asText() + " " + b.path("op").asText() + " "
                    + b.path("url").asText());
        }
        assertThat(ids).containsExactly("01-01 action " + busi.url("TransOut"), "01-02 action " + busi.url("TransIn"));
        assertThat(busi.calls(gid)).hasSize(2);
        for (int i = 0; i < 2; i++) {
            var call = busi.calls(gid).get(i);
            assertThat(call.endpoint()).isEqualTo(i == 0 ? "TransOut" : "TransIn");
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.body()).isEqualTo(PAYLOAD);
            assertThat(call.query())
                    .isEqualTo(Map.of("gid", gid, "trans_type", "msg", "branch_id", "01-0" + (i + 1), "op", "action"));
        }
    }

    @Test
    void preparedMsgIsCommittedOnceTheCheckBackStopsBeingOngoing() {
        busi.scriptFor(gid, "QueryPrepared", Reply.ONGOING);
        prepare(transfer());

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");

        busi.scriptFor(gid, "TransIn", Reply.ONGOING);
        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");

        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "QueryPrepared msg",
                        "QueryPrepared msg",
                        "TransOut action",
                        "TransIn action",
                        "TransIn action");
        assertCheckBack(busi.calls(gid).get(0));
        assertCheckBack(busi.calls(gid).get(1));
    }

    @Test
    void preparedMsgFailsWhenTheCheckBackAnswersFailure() {
        busi.scriptFor(gid, "QueryPrepared", Reply.ONGOING, Reply.FAILURE);
        prepare(transfer());

        dtm.clock.advanceSeconds(360);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("prepared");

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg", "QueryPrepared msg");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
    }

    @Test
    void prepareIsIdempotentUntilTheMsgFinishes() {
        assertThat(prepare(transfer()).body()).isEqualTo(SUCCESS);
        assertThat(prepare(transfer()).body()).isEqualTo(SUCCESS);
        assertThat(submit(transfer()).body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");

        var late = prepare(transfer());
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.body()).isEqualTo(failed("current status 'succeed', cannot prepare. FAILURE"));
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }

    @Test
    void msgToAnUnknownTopicIsRefused() {
        var r = submit(Trans.msg(gid).step("topic://" + gid + "Missing", PAYLOAD));

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("{\"message\":\"topic not found\"}");
        assertThat(dtm.transaction(gid).isNull()).isTrue();
    }

    @Test
    void preparedMsgIsCheckedBackOnlyAfterTheDefaultTimeout() {
        prepare(transfer());

        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(busi.calls(gid)).isEmpty();

        dtm.clock.advanceSeconds(60);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg", "TransOut action", "TransIn action");
    }

    @Test
    void preparedMsgIsCheckedBackAfterItsOwnTimeout() {
        prepare(transfer().set("timeout_to_fail", 120));

        dtm.clock.advanceSeconds(60);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(busi.calls(gid)).isEmpty();

        dtm.clock.advanceSeconds(120);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
    }

    @Test
    void preparedMsgWithItsOwnTimeoutFailsOnACheckBackFailure() {
        busi.scriptFor(gid, "QueryPrepared", Reply.FAILURE);
        prepare(transfer().set("timeout_to_fail", 120));

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg");
    }

    @Test
    void concurrentMsgCallsItsBranchesAtTheSameTime() {
        busi.scriptFor(gid, "TransOut", Reply.slow(Duration.ofSeconds(5)));

        submit(transfer().set("concurrent", true).set("request_timeout", 10));

        // sequentially TransIn would wait for TransOut's 5 s; the margin absorbs a loaded CI machine
        await().atMost(Duration.ofSeconds(4)).until(() -> busi.calls(gid).size() == 2);
        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
    }

    @Test
    void delayedMsgRunsOnlyOnceItsDelayPassed() {
        submit(transfer().set("custom_data", "{\"delay\":10}"));

        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        dtm.cron(Duration.ZERO);
        dtm.cron(Duration.ofSeconds(8));
        assertThat(busi.calls(gid)).isEmpty();
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        dtm.clock.advanceSeconds(12);
        dtm.cron(Duration.ZERO);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }

    @Test
    void abortOfAPreparedMsgFailsIt() {
        prepare(transfer());

        var r = dtm.post("/api/dtmsvr/abort", Map.of("gid", gid, "trans_type", "msg"));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void alertIsPostedAfterTheThirdConsecutiveFailure() {
        busi.scriptFor(gid, "TransIn", Reply.ERROR, Reply.ERROR, Reply.ERROR);
        var t = Trans.msg(gid).step(busi.url("TransIn"), PAYLOAD);

        alerting.post("/api/dtmsvr/submit", t.body());
        await().until(() -> alerting.nextCronInterval(gid) == 20);
        alerting.cron();
        assertThat(alerting.nextCronInterval(gid)).isEqualTo(40);
        assertThat(busi.callsTo("alert")).isEmpty();

        alerting.cron();
        assertThat(alerting.nextCronInterval(gid)).isEqualTo(80);
        await().until(() -> busi.callsTo("alert").size() == 1);
        var alert = busi.callsTo("alert").get(0);
        assertThat(alert.method()).isEqualTo("POST");
        JsonNode body = alerting.parse(alert.body());
        assertThat(body.path("gid").asText()).isEqualTo(gid);
        assertThat(body.path("status").asText()).isEqualTo("submitted");
        assertThat(body.path("branch").asText()).isEqualTo(busi.url("TransIn"));
        assertThat(body.path("retry_count").asInt()).isEqualTo(3);

        alerting.cron();
        assertThat(alerting.status(gid)).isEqualTo("succeed");
        assertThat(alerting.branchStatuses(gid)).containsExactly("S");
        assertThat(busi.callsTo("alert")).hasSize(1);
    }

    @Test
    void preparedMsgWithoutCheckBackUrlIsCommittedOnceTimedOut() {
        prepare(Trans.msg(gid).step(busi.url("TransIn"), ""));

        dtm.clock.advanceSeconds(60);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S");
        // an empty payload is sent as a GET without body (docs/protocol.md §20.21)
        var call = busi.calls(gid).get(0);
        assertThat(call.method()).isEqualTo("GET");
        assertThat(call.body()).isEmpty();
        assertThat(busi.trail(gid)).containsExactly("TransIn action");
    }
}
