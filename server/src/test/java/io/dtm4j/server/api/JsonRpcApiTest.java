package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.JsonRpcClient;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The JSON-RPC API (docs/protocol.md §4) over real HTTP: every method with its success and error
 * envelopes, and every malformed request, each answered with dtm's code, writing nothing and
 * leaving the server serving.
 */
class JsonRpcApiTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String JSON = "application/json; charset=utf-8";
    static final TestServer dtm = new TestServer();
    static final BusinessStub busi = new BusinessStub();
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
    }

    Map<String, Object> saga() {
        return Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD)
                .step(busi.url("TransIn"), busi.url("TransInRevert"), PAYLOAD)
                .set("protocol", "json-rpc")
                .body();
    }

    Map<String, Object> tcc() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "tcc");
        body.put("protocol", "json-rpc");
        return body;
    }

    Map<String, String> tccBranch(String branchId) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "tcc");
        body.put("branch_id", branchId);
        body.put("data", PAYLOAD);
        body.put("confirm", busi.url("TransOutConfirm"));
        body.put("cancel", busi.url("TransOutRevert"));
        return body;
    }

    /** Asserts a 200 answer without error and returns its result. */
    JsonNode assertResult(TestServer.Response r) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo(JSON);
        JsonNode body = dtm.parse(r.body());
        assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.path("id").asText()).isEqualTo(JsonRpcClient.SDK_ID);
        assertThat(body.has("error")).isTrue();
        assertThat(body.get("error").isNull()).as(r.body()).isTrue();
        assertThat(body.has("result")).isTrue();
        return body.get("result");
    }

    /** Asserts an error answer with {@code code} and HTTP {@code status}; returns the whole envelope. */
    JsonNode assertError(TestServer.Response r, int status, int code) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo(JSON);
        JsonNode body = dtm.parse(r.body());
        assertThat(body.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(body.path("error").path("code").asInt()).as(r.body()).isEqualTo(code);
        assertThat(body.has("result")).isTrue();
        assertThat(body.has("id")).isTrue();
        return body;
    }

    /** Asserts that {@code gid} was not stored and that the API still serves. */
    void assertNothingWrittenAndServerStillServes() {
        assertThat(dtm.transaction(gid).isNull()).isTrue();
        assertThat(assertResult(rpc.call("newGid", null)).path("gid").asText()).hasSize(22);
    }

    // ---- methods -------------------------------------------------------------------------------

    @Test
    void newGidReturnsAGidWithoutDtmResult() {
        JsonNode result = assertResult(rpc.call("newGid", "anything"));

        assertThat(result.path("gid").asText()).hasSize(22);
        assertThat(result.size()).isEqualTo(1);
    }

    @Test
    void prepareStoresAPreparedTransactionOfProtocolJsonRpc() {
        Map<String, Object> msg = Trans.msg(gid)
                .step(busi.url("TransOut"), PAYLOAD)
                .set("protocol", "json-rpc")
                .set("query_prepared", busi.url("QueryPrepared"))
                .body();

        assertThat(assertResult(rpc.call("prepare", msg)).isNull()).isTrue();
        assertThat(assertResult(rpc.call("prepare", msg)).isNull()).isTrue(); // repeated: a no-op

        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(dtm.transaction(gid).path("protocol").asText()).isEqualTo("json-rpc");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P");
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void prepareOfAFinishedGidIsAFailure() {
        assertThat(assertResult(rpc.call("submit", saga())).isNull()).isTrue();
        org.awaitility.Awaitility.await().until(() -> dtm.status(gid).equals("succeed"));

        JsonNode body = assertError(rpc.call("prepare", saga()), 200, -32901);

        assertThat(body.path("error").path("message").asText())
                .isEqualTo("current status 'succeed', cannot prepare. FAILURE");
        assertThat(body.path("result").isObject()).isTrue();
        assertThat(body.path("result").size()).isZero();
        assertThat(body.path("id").asText()).isEqualTo(JsonRpcClient.SDK_ID);
    }

    @Test
    void submitRunsTheSaga() {
        Map<String, Object> saga = saga();
        saga.put("wait_result", true);

        assertThat(assertResult(rpc.call("submit", saga)).isNull()).isTrue();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }

    @Test
    void abortThatEndsOngoingIsAnInternalError() {
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);
        assertThat(assertResult(rpc.call("prepare", tcc())).isNull()).isTrue();
        assertThat(assertResult(rpc.call("registerBranch", tccBranch("01"))).isNull())
                .isTrue();
        Map<String, Object> abort = tcc();
        abort.put("wait_result", true);

        JsonNode body = assertError(rpc.call("abort", abort), 200, -32603);

        assertThat(body.path("error").path("message").asText()).isEqualTo("{\"dtm_result\":\"ONGOING\"}");
        assertThat(dtm.status(gid)).isEqualTo("aborting");
    }

    @Test
    void registerBranchAndAbortRollBackATcc() {
        assertThat(assertResult(rpc.call("prepare", tcc())).isNull()).isTrue();
        assertThat(assertResult(rpc.call("registerBranch", tccBranch("01"))).isNull())
                .isTrue();

        assertThat(assertResult(rpc.call("abort", tcc())).isNull()).isTrue();

        org.awaitility.Awaitility.await().until(() -> dtm.status(gid).equals("failed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutRevert cancel");
    }

    @Test
    void registerBranchWithoutAPreparedGlobalIsAFailure() {
        JsonNode body = assertError(rpc.call("registerBranch", tccBranch("01")), 200, -32901);

        assertThat(body.path("error").path("message").asText())
                .isEqualTo("no trans with gid: " + gid + " status: prepared found FAILURE");
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void registerBranchOfAnUnknownTypeIsAnInternalError() {
        assertError(rpc.call("registerBranch", Map.of("trans_type", "not-exists")), 200, -32603); // dtm's own test
        Map<String, String> branch = Map.of("gid", gid, "branch_id", "01", "trans_type", "not-exists");

        JsonNode body = assertError(rpc.call("registerBranch", branch), 200, -32603);

        assertThat(body.path("error").path("message").asText()).isEqualTo("unknow trans type: not-exists");
    }

    @Test
    void registerBranchWithANonStringValueIsRejected() {
        Map<String, Object> branch = new LinkedHashMap<>(tccBranch("01"));
        branch.put("branch_id", 1);
        assertThat(assertResult(rpc.call("prepare", tcc())).isNull()).isTrue();

        JsonNode body = assertError(rpc.call("registerBranch", branch), 200, -32603);

        assertThat(body.path("error").path("message").asText())
                .isEqualTo("value of 'branch_id' must be a string, not 1");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
    }

    @Test
    void abortOfASucceededSagaIsAFailure() {
        Map<String, Object> saga = saga();
        saga.put("wait_result", true);
        assertThat(assertResult(rpc.call("submit", saga)).isNull()).isTrue();

        JsonNode body = assertError(rpc.call("abort", saga()), 200, -32901);

        assertThat(body.path("error").path("message").asText())
                .isEqualTo("trans type: 'saga' current status 'succeed', cannot abort. FAILURE");
    }

    // ---- malformed requests --------------------------------------------------------------------

    @Test
    void unparseableBodyIsAParseErrorWithStatus400() {
        JsonNode body = assertError(dtm.post("/api/json-rpc", "hello"), 400, -32700);

        assertThat(body.path("error").path("message").asText()).startsWith("Parse json error: ");
        assertThat(body.path("id").asText()).isEmpty();
        assertThat(body.path("result").isNull()).isTrue();
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void truncatedJsonIsAParseError() {
        String truncated =
                "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"submit\",\"params\":{\"gid\":\"" + gid + "\"";

        assertError(dtm.post("/api/json-rpc", truncated), 400, -32700);
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void emptyBodyAndNonObjectBodiesAreParseErrors() {
        assertThat(assertError(dtm.post("/api/json-rpc", ""), 400, -32700)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Parse json error: request body is empty");
        assertThat(assertError(dtm.post("/api/json-rpc", "[1,2]"), 400, -32700)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Parse json error: request must be a JSON object, not ARRAY");
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void idOfAnotherTypeOrNonStringMethodIsAParseError() {
        assertThat(assertError(
                                dtm.post("/api/json-rpc", JsonRpcClient.envelope(Map.of("a", 1), "newGid", null)),
                                400,
                                -32700)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Parse json error: 'id' must be a string or a number, not {\"a\":1}");
        Map<String, Object> request = JsonRpcClient.envelope("x", "newGid", null);
        request.put("method", 7);
        JsonNode body = assertError(dtm.post("/api/json-rpc", request), 400, -32700);
        assertThat(body.path("error").path("message").asText())
                .isEqualTo("Parse json error: 'method' must be a string, not 7");
        assertThat(body.path("id").asText()).isEqualTo("x");
    }

    @Test
    void numericIdIsAcceptedAndEchoed() {
        var r = dtm.post("/api/json-rpc", JsonRpcClient.envelope(42, "newGid", null));

        assertThat(r.status()).isEqualTo(200);
        JsonNode body = dtm.parse(r.body());
        assertThat(body.path("id").isNumber()).isTrue();
        assertThat(body.path("id").asInt()).isEqualTo(42);
        assertThat(body.path("error").isNull()).isTrue();
        assertThat(body.path("result").path("gid").asText()).hasSize(22);
    }

    @Test
    void wrongVersionIsABadRequest() {
        Map<String, Object> request = JsonRpcClient.envelope("no-use", "newGid", "");
        request.put("jsonrpc", "1.0");

        JsonNode body = assertError(dtm.post("/api/json-rpc", request), 200, -32600);

        assertThat(body.path("error").path("message").asText())
                .isEqualTo("Bad json request: {\"method\":\"newGid\",\"jsonrpc\":\"1.0\",\"id\":\"no-use\"}");
        assertThat(body.path("result").isNull()).isTrue();
    }

    @Test
    void missingOrEmptyIdIsABadRequest() {
        assertError(dtm.post("/api/json-rpc", JsonRpcClient.envelope(null, "newGid", null)), 200, -32600);
        assertError(dtm.post("/api/json-rpc", JsonRpcClient.envelope("", "submit", saga())), 200, -32600);
        Map<String, Object> noVersion = JsonRpcClient.envelope("x", "submit", saga());
        noVersion.remove("jsonrpc");
        assertError(dtm.post("/api/json-rpc", noVersion), 200, -32600);
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void unknownMethodIsMethodNotFound() {
        JsonNode body = assertError(rpc.call("not-exists", ""), 200, -32601);

        assertThat(body.path("error").path("message").asText()).isEqualTo("Method not found: not-exists");
        assertThat(body.path("result").isNull()).isTrue();
        assertThat(assertError(rpc.call("prepareWorkflow", saga()), 200, -32601)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("Method not found: prepareWorkflow");
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void paramsThatAreNotATransactionAreRejected() {
        assertThat(assertError(rpc.call("submit", "hello"), 200, -32603)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("params of 'submit' must be a JSON object (a global transaction), not \"hello\"");
        assertThat(assertError(rpc.call("prepare", null), 200, -32603)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("params of 'prepare' must be a JSON object (a global transaction), not null");
        Map<String, Object> badSteps = saga();
        badSteps.put("steps", "not a list");
        assertThat(assertError(rpc.call("submit", badSteps), 200, -32603)
                        .path("error")
                        .path("message")
                        .asText())
                .startsWith("params of 'submit' are not a global transaction: ");
        Map<String, Object> noGid = saga();
        noGid.remove("gid");
        assertThat(assertError(rpc.call("submit", noGid), 200, -32603)
                        .path("error")
                        .path("message")
                        .asText())
                .isEqualTo("gid is missing or empty");
        assertThat(busi.calls(gid)).isEmpty();
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void bodyOver4MebibytesIsRefusedAsOverHttp() {
        Map<String, Object> saga = Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), "x".repeat(4 << 20))
                .body();

        var r = rpc.call("submit", saga);

        assertThat(r.status()).isEqualTo(413);
        assertThat(busi.calls(gid)).isEmpty();
        assertNothingWrittenAndServerStillServes();
    }

    @Test
    void getIsNotARoute() {
        var r = dtm.get("/api/json-rpc");

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.body()).isEqualTo("404 page not found");
    }

    @Test
    void requestsAreCountedPerMethod() {
        assertResult(rpc.call("newGid", null));
        rpc.call("nope", null);

        String metrics = dtm.get("/api/metrics").body();

        assertThat(metrics).contains("dtm_server_process_total{api=\"newGid\",status=\"ok\",type=\"json-rpc\"}");
        assertThat(metrics).contains("dtm_server_process_total{api=\"json-rpc\",status=\"fail\",type=\"json-rpc\"}");
    }
}
