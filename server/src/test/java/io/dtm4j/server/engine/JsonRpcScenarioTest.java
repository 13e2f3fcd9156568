package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.JsonRpcClient;
import io.dtm4j.server.testing.JsonRpcStub;
import io.dtm4j.server.testing.JsonRpcStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Transactions of protocol {@code json-rpc} (docs/protocol.md §4, §6.3, §19 "Jrpc" rows): the
 * application talks JSON-RPC to the server, and the server calls every branch URL naming a {@code
 * method} over JSON-RPC (other URLs over plain HTTP). Unlike dtm (docs/protocol.md §20.11), the
 * branch codes -32901 and -32902 are honoured as FAILURE and ONGOING.
 */
class JsonRpcScenarioTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final TestServer dtm = new TestServer();
    static final BusinessStub busi = new BusinessStub();
    static final JsonRpcStub jrpc = new JsonRpcStub();
    static final JsonRpcClient rpc = new JsonRpcClient(dtm);

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
        jrpc.close();
    }

    /** dtm's {@code genJrpcMsg}: an HTTP step, then a JSON-RPC step. */
    Trans transferMsg() {
        return Trans.msg(gid)
                .step(busi.url("TransOut"), PAYLOAD)
                .step(jrpc.url("TransIn"), PAYLOAD)
                .set("query_prepared", busi.url("QueryPrepared"))
                .set("protocol", "json-rpc");
    }

    Trans transferSaga() {
        return Trans.saga(gid)
                .step(jrpc.url("TransOut"), jrpc.url("TransOutRevert"), PAYLOAD)
                .step(jrpc.url("TransIn"), jrpc.url("TransInRevert"), PAYLOAD)
                .set("protocol", "json-rpc");
    }

    /** Calls {@code method} of the server's JSON-RPC API and asserts that it answered without error. */
    void ok(String method, Object params) {
        var r = rpc.call(method, params);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(dtm.parse(r.body()).path("error").isNull()).as(r.body()).isTrue();
    }

    void awaitRoundsOver() {
        await().until(() -> dtm.server().engine().activeRounds() == 0);
    }

    Map<String, Object> tcc() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "tcc");
        body.put("protocol", "json-rpc");
        return body;
    }

    Map<String, String> tccBranch(String branchId, String confirm, String cancel) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "tcc");
        body.put("branch_id", branchId);
        body.put("data", PAYLOAD);
        body.put("confirm", confirm);
        body.put("cancel", cancel);
        return body;
    }

    // ---- msg -----------------------------------------------------------------------------------

    @Test
    void msgCallsJsonRpcStepsWithAnEnvelopeAndHttpStepsOverHttp() {
        ok("submit", transferMsg().body());

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action");
        assertThat(busi.calls(gid).get(0).query())
                .isEqualTo(Map.of("gid", gid, "trans_type", "msg", "branch_id", "01", "op", "action"));
        assertThat(jrpc.calls(gid)).hasSize(1);
        JsonRpcStub.Call call = jrpc.calls(gid).get(0);
        assertThat(call.query()).isEqualTo("method=TransIn"); // no dtm query parameters on JSON-RPC calls
        assertThat(call.header("Content-type")).isEqualTo("application/json");
        JsonNode envelope = call.envelope();
        assertThat(envelope.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(envelope.path("method").asText()).isEqualTo("TransIn");
        assertThat(envelope.path("id").asText()).isNotEmpty();
        assertThat(envelope.path("params"))
                .isEqualTo(dtm.parse("{\"amount\":30,\"gid\":\"" + gid
                        + "\",\"trans_type\":\"msg\",\"branch_id\":\"02\",\"op\":\"action\"}"));
    }

    /** dtm's TestMsgJrpcResults: for msg every JSON-RPC error is retried; only the interval differs. */
    @Test
    void msgRetriesJsonRpcOtherOngoingAndFailureUntilTheStepSucceeds() {
        jrpc.scriptFor(gid, "TransIn", Reply.OTHER, Reply.ONGOING, Reply.FAILURE);
        ok("submit", transferMsg().body());

        await().until(() -> jrpc.calls(gid).size() == 1);
        awaitRoundsOver();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20); // other error: backoff

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20); // ONGOING: same interval

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(40); // FAILURE of a msg step: retried with backoff

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action");
        assertThat(jrpc.trail(gid))
                .containsExactly("TransIn action", "TransIn action", "TransIn action", "TransIn action");
    }

    /** dtm's TestMsgJrpcRepeated. */
    @Test
    void msgSubmittedAgainAfterItSucceededIsAFailure() {
        ok("submit", transferMsg().body());
        await().until(() -> dtm.status(gid).equals("succeed"));

        var r = rpc.call("submit", transferMsg().body());

        assertThat(r.status()).isEqualTo(200);
        JsonNode error = dtm.parse(r.body()).path("error");
        assertThat(error.path("code").asInt()).isEqualTo(-32901);
        assertThat(error.path("message").asText()).isEqualTo("current status 'succeed', cannot sumbmit. FAILURE");
        assertThat(jrpc.calls(gid)).hasSize(1);
    }

    @Test
    void preparedMsgIsCheckedBackOverJsonRpc() {
        ok(
                "prepare",
                transferMsg().set("query_prepared", jrpc.url("QueryPrepared")).body());

        dtm.clock.advanceSeconds(180);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(jrpc.trail(gid)).containsExactly("QueryPrepared msg", "TransIn action");
        assertThat(jrpc.calls(gid).get(0).params())
                .isEqualTo(dtm.parse(
                        "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"branch_id\":\"00\",\"op\":\"msg\"}"));
    }

    // ---- tcc -----------------------------------------------------------------------------------

    /** dtm's TestTccJrpcNormal: the application talks JSON-RPC, the branches are plain HTTP. */
    @Test
    void tccDrivenOverJsonRpcConfirmsEveryBranch() {
        ok("prepare", tcc());
        ok("registerBranch", tccBranch("01", busi.url("TransOutConfirm"), busi.url("TransOutRevert")));
        ok("registerBranch", tccBranch("02", busi.url("TransInConfirm"), busi.url("TransInRevert")));

        ok("submit", tcc());

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransInConfirm confirm", "TransOutConfirm confirm");
    }

    @Test
    void tccConfirmsJsonRpcBranchesFromTheLastToTheFirst() {
        ok("prepare", tcc());
        ok("registerBranch", tccBranch("01", jrpc.url("TransOutConfirm"), jrpc.url("TransOutRevert")));
        ok("registerBranch", tccBranch("02", jrpc.url("TransInConfirm"), jrpc.url("TransInRevert")));

        ok("submit", tcc());

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(jrpc.trail(gid)).containsExactly("TransInConfirm confirm", "TransOutConfirm confirm");
        assertThat(jrpc.calls(gid).get(1).params())
                .isEqualTo(dtm.parse("{\"amount\":30,\"gid\":\"" + gid
                        + "\",\"trans_type\":\"tcc\",\"branch_id\":\"01\",\"op\":\"confirm\"}"));
    }

    @Test
    void tccAbortedOverJsonRpcCancelsJsonRpcBranches() {
        ok("prepare", tcc());
        ok("registerBranch", tccBranch("01", jrpc.url("TransOutConfirm"), jrpc.url("TransOutRevert")));
        ok("registerBranch", tccBranch("02", jrpc.url("TransInConfirm"), jrpc.url("TransInRevert")));

        ok("abort", tcc());

        await().until(() -> dtm.status(gid).equals("failed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(jrpc.trail(gid)).containsExactly("TransInRevert cancel", "TransOutRevert cancel");
    }

    // ---- saga ----------------------------------------------------------------------------------

    @Test
    void sagaActionAnsweringTheFailureCodeIsCompensated() {
        jrpc.scriptFor(gid, "TransIn", Reply.FAILURE);

        ok("submit", transferSaga().body());

        await().until(() -> dtm.status(gid).equals("failed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(jrpc.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
        assertThat(dtm.rollbackReason(gid)).contains("-32901").contains("insufficient balance");
    }

    @Test
    void sagaActionAnsweringOtherErrorsAndOngoingIsRetriedUntilItSucceeds() {
        jrpc.scriptFor(gid, "TransOut", Reply.OTHER, Reply.ONGOING);
        ok("submit", transferSaga().body());

        await().until(() -> jrpc.calls(gid).size() == 1);
        awaitRoundsOver();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20);

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20);

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(jrpc.trail(gid))
                .containsExactly("TransOut action", "TransOut action", "TransOut action", "TransIn action");
    }

    @Test
    void httpErrorOfAJsonRpcServiceIsRetried() {
        jrpc.scriptFor(gid, "TransOut", Reply.http(502, "bad gateway"));

        ok("submit", transferSaga().body());

        await().until(() -> jrpc.calls(gid).size() == 1);
        awaitRoundsOver();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
    }

    @Test
    void branchHeadersReachJsonRpcCalls() {
        ok(
                "submit",
                transferSaga().set("branch_headers", Map.of("X-Tenant", "t1")).body());

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(jrpc.calls(gid))
                .hasSize(2)
                .allSatisfy(c -> assertThat(c.header("X-Tenant")).isEqualTo("t1"));
    }

    @Test
    void payloadThatIsNotAJsonObjectIsRetriedWithoutACallAndLosesNothing() {
        Trans saga = Trans.saga(gid)
                .step(jrpc.url("TransOut"), jrpc.url("TransOutRevert"), "[30]")
                .set("protocol", "json-rpc");

        ok("submit", saga.body());

        awaitRoundsOver();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20);
        assertThat(jrpc.calls(gid)).isEmpty();
        assertThat(dtm.query(gid).path("branches").get(1).path("bin_data").asText())
                .isEqualTo(java.util.Base64.getEncoder().encodeToString("[30]".getBytes()));
    }

    @Test
    void httpTransactionCallsAJsonRpcUrlOverPlainHttp() {
        ok("submit", transferSaga().set("protocol", "http").body());

        await().until(() -> dtm.status(gid).equals("succeed"));
        var calls = jrpc.calls().stream()
                .filter(c -> c.query().contains("gid=" + gid))
                .toList();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).query())
                .isEqualTo("method=TransOut&gid=" + gid + "&trans_type=saga&branch_id=01&op=action");
        assertThat(calls.get(0).envelope()).isEqualTo(dtm.parse(PAYLOAD)); // the payload as is, no envelope
    }
}
