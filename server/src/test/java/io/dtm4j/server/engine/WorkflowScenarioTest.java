package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The server's part of dtm's workflow protocol (docs/protocol.md §3.7, §8.6, §19.5), over real
 * HTTP. The test plays the workflow client (prepareWorkflow, registerBranch of recorded steps,
 * submit with req_extra); the stub plays the client's resume endpoint. Each test uses its own name
 * as gid.
 */
class WorkflowScenarioTest {
    static final String INPUT = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
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

    static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The body of the Go client's {@code Execute(name, gid, input)} (docs/protocol.md §8.6 step 2).
     */
    Map<String, Object> workflow(String name, String input) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "workflow");
        body.put("protocol", "http");
        body.put("query_prepared", busi.url("WorkflowResume"));
        body.put("custom_data", "{\"name\":\"" + name + "\",\"data\":\"" + base64(input) + "\"}");
        return body;
    }

    TestServer.Response prepareWorkflow(String name, String input) {
        return dtm.post("/api/dtmsvr/prepareWorkflow", workflow(name, input));
    }

    JsonNode prepareWorkflow() {
        var r = prepareWorkflow("wf", INPUT);
        assertThat(r.status()).isEqualTo(200);
        return dtm.parse(r.body());
    }

    TestServer.Response record(String branchId, String op, String status, String data) {
        return dtm.post(
                "/api/dtmsvr/registerBranch",
                Map.of(
                        "gid",
                        gid,
                        "trans_type",
                        "workflow",
                        "branch_id",
                        branchId,
                        "op",
                        op,
                        "status",
                        status,
                        "data",
                        data));
    }

    TestServer.Response submit(Map<String, String> reqExtra) {
        return dtm.post("/api/dtmsvr/submit", Map.of("gid", gid, "trans_type", "workflow", "req_extra", reqExtra));
    }

    static List<String> progresses(JsonNode state) {
        List<String> result = new ArrayList<>();
        for (JsonNode p : state.path("progresses")) {
            result.add(p.path("branch_id").asText() + "-" + p.path("op").asText() + " "
                    + p.path("status").asText() + " " + p.path("bin_data").asText());
        }
        return result;
    }

    void assertResumeCall(BusinessStub.Call call, String method, String name, String body) {
        assertThat(call.endpoint()).isEqualTo("WorkflowResume");
        assertThat(call.method()).isEqualTo(method);
        assertThat(call.body()).isEqualTo(body);
        assertThat(call.query()).isEqualTo(Map.of("gid", gid, "trans_type", "workflow", "branch_id", "00", "op", name));
    }

    @Test
    void prepareWorkflowOfANewGidAnswersAPreparedTransactionWithoutProgresses() {
        var r = prepareWorkflow("wf", INPUT);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("application/json; charset=utf-8");
        JsonNode state = dtm.parse(r.body());
        assertThat(state.has("dtm_result")).isFalse();
        assertThat(state.path("progresses").isArray()).isTrue();
        assertThat(state.path("progresses")).isEmpty();
        JsonNode t = state.path("transaction");
        assertThat(t.path("gid").isTextual()).isTrue();
        assertThat(t.path("gid").asText()).isEqualTo(gid);
        assertThat(t.path("status").isTextual()).isTrue();
        assertThat(t.path("status").asText()).isEqualTo("prepared");
        assertThat(t.path("trans_type").asText()).isEqualTo("workflow");
        assertThat(t.path("query_prepared").asText()).isEqualTo(busi.url("WorkflowResume"));
        assertThat(t.path("custom_data").asText()).isEqualTo("{\"name\":\"wf\",\"data\":\"" + base64(INPUT) + "\"}");
        // empty strings are omitted, as dtm's JSON does; the Go client reads them as ""
        assertThat(t.has("rollback_reason")).isFalse();
        assertThat(t.has("result")).isFalse();
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void prepareWorkflowOfAnExistingGidAnswersItsRecordedProgresses() {
        prepareWorkflow();
        assertThat(record("01", "action", "succeed", "{\"balance\":70}").body()).isEqualTo(SUCCESS);
        assertThat(record("02", "action", "failed", "Insufficient balance").body())
                .isEqualTo(SUCCESS);
        assertThat(record("01", "rollback", "succeed", "").body()).isEqualTo(SUCCESS);

        JsonNode state = prepareWorkflow();

        assertThat(state.path("transaction").path("status").asText()).isEqualTo("prepared");
        assertThat(progresses(state))
                .containsExactly(
                        "01-action succeed " + base64("{\"balance\":70}"),
                        "02-action failed " + base64("Insufficient balance"),
                        "01-rollback succeed ");
        for (JsonNode p : state.path("progresses")) {
            for (String key : List.of("branch_id", "op", "status")) {
                assertThat(p.path(key).isTextual()).as(key).isTrue();
            }
        }
        assertThat(state.path("progresses").get(0).path("bin_data").isTextual()).isTrue();
        assertThat(state.path("progresses").get(0).path("url").isMissingNode()).isTrue();
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "F", "S");
    }

    @Test
    void prepareWorkflowAgainKeepsTheStoredNameAndInput() {
        prepareWorkflow();

        var again = prepareWorkflow("other", "{\"amount\":99}");

        assertThat(again.status()).isEqualTo(200);
        assertThat(dtm.parse(again.body())
                        .path("transaction")
                        .path("custom_data")
                        .asText())
                .isEqualTo("{\"name\":\"wf\",\"data\":\"" + base64(INPUT) + "\"}");
        dtm.cron();
        assertResumeCall(busi.calls(gid).get(0), "POST", "wf", INPUT);
    }

    @Test
    void synchronousRecordingIsAcceptedLikeAnyOther() {
        prepareWorkflow();

        var r = dtm.post(
                "/api/dtmsvr/registerBranch",
                Map.of(
                        "gid",
                        gid,
                        "trans_type",
                        "workflow",
                        "branch_id",
                        "01",
                        "op",
                        "action",
                        "status",
                        "succeed",
                        "data",
                        "ok",
                        "sync",
                        "1"));

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(progresses(prepareWorkflow())).containsExactly("01-action succeed " + base64("ok"));
    }

    @Test
    void recordingTheSameBranchAndOpTwiceIsAConflict() {
        prepareWorkflow();
        assertThat(record("00", "action", "succeed", "first").body()).isEqualTo(SUCCESS);

        var again = record("00", "action", "succeed", "second");

        assertThat(again.status()).isEqualTo(500);
        assertThat(again.body())
                .isEqualTo("{\"message\":\"gid '" + gid + "': branch 00 op action is already registered\"}");
        assertThat(progresses(prepareWorkflow())).containsExactly("00-action succeed " + base64("first"));
    }

    @Test
    void submitAsSucceededStoresTheResultForALaterExecute() {
        prepareWorkflow();
        assertThat(record("01", "action", "succeed", "").body()).isEqualTo(SUCCESS);
        String result = base64("{\"done\":true}");

        var r = submit(Map.of("status", "succeed", "rollback_reason", "", "result", result));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.transaction(gid).path("finish_time").isTextual()).isTrue();
        assertThat(dtm.rollbackReason(gid)).isEmpty();
        JsonNode state = prepareWorkflow();
        assertThat(state.path("transaction").path("status").asText()).isEqualTo("succeed");
        assertThat(state.path("transaction").path("result").isTextual()).isTrue();
        assertThat(state.path("transaction").path("result").asText()).isEqualTo(result);
        assertThat(progresses(state)).containsExactly("01-action succeed ");
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void submitAsFailedStoresTheRollbackReason() {
        prepareWorkflow();
        assertThat(record("01", "action", "failed", "Insufficient balance").body())
                .isEqualTo(SUCCESS);

        var r = submit(Map.of("status", "failed", "rollback_reason", "Insufficient balance", "result", ""));

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.transaction(gid).path("rollback_time").isTextual()).isTrue();
        JsonNode state = prepareWorkflow();
        assertThat(state.path("transaction").path("rollback_reason").isTextual())
                .isTrue();
        assertThat(state.path("transaction").path("rollback_reason").asText()).isEqualTo("Insufficient balance");
        assertThat(state.path("transaction").has("result")).isFalse();
        assertThat(dtm.branchStatuses(gid)).containsExactly("F");
    }

    @Test
    void submitOfAWorkflowThatIsNotPreparedIsAnError() {
        prepareWorkflow();
        assertThat(submit(Map.of("status", "succeed")).body()).isEqualTo(SUCCESS);

        var again = submit(Map.of("status", "failed", "rollback_reason", "late"));

        assertThat(again.status()).isEqualTo(500);
        assertThat(dtm.parse(again.body()).path("message").asText()).isNotEmpty();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
    }

    @Test
    void submitOfAnUnknownWorkflowIsAnError() {
        var r = submit(Map.of("status", "succeed"));

        assertThat(r.status()).isEqualTo(500);
        assertThat(dtm.transaction(gid).isNull()).isTrue();
    }

    @Test
    void recordingAfterSubmitIsRefused() {
        prepareWorkflow();
        assertThat(submit(Map.of("status", "succeed")).body()).isEqualTo(SUCCESS);

        var late = record("01", "commit", "succeed", "");

        assertThat(late.status()).isEqualTo(409);
        assertThat(late.body())
                .isEqualTo("{\"dtm_result\":\"FAILURE\",\"message\":\"no trans with gid: " + gid
                        + " status: prepared found FAILURE\"}");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
    }

    @Test
    void unfinishedWorkflowIsCalledBackOnEveryCronUntilItIsSubmitted() {
        prepareWorkflow();
        assertThat(record("01", "action", "succeed", "").body()).isEqualTo(SUCCESS);

        dtm.cron();
        assertThat(busi.calls(gid)).hasSize(1);
        assertResumeCall(busi.calls(gid).get(0), "POST", "wf", INPUT);
        assertThat(dtm.status(gid)).isEqualTo("prepared");

        dtm.cron();
        assertThat(busi.calls(gid)).hasSize(2);
        assertResumeCall(busi.calls(gid).get(1), "POST", "wf", INPUT);

        // the resumed client finishes the workflow itself
        assertThat(submit(Map.of("status", "succeed")).body()).isEqualTo(SUCCESS);
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(busi.calls(gid)).hasSize(2);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S");
    }

    @Test
    void workflowWithEmptyInputIsCalledBackWithGet() {
        assertThat(prepareWorkflow("wfEmpty", "").status()).isEqualTo(200);

        dtm.cron();

        assertThat(busi.calls(gid)).hasSize(1);
        assertResumeCall(busi.calls(gid).get(0), "GET", "wfEmpty", "");
    }

    @Test
    void failingCallbackIsRepeatedEveryRetryIntervalWithoutBackoffOrTimeout() {
        busi.scriptFor(gid, "WorkflowResume", Reply.ERROR, Reply.FAILURE);
        prepareWorkflow();

        dtm.cron();
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(10);
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(10);
        dtm.cron();

        // a workflow never times out: only its client decides how it ends
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
        assertThat(busi.calls(gid)).hasSize(3);
        for (var call : busi.calls(gid)) {
            assertResumeCall(call, "POST", "wf", INPUT);
        }
        assertThat(submit(Map.of("status", "failed", "rollback_reason", "gave up"))
                        .body())
                .isEqualTo(SUCCESS);
    }

    @Test
    void forceStopOfAPreparedWorkflowEndsItsCallbacks() {
        prepareWorkflow();

        assertThat(dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid)).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(busi.calls(gid)).isEmpty();
        JsonNode state = prepareWorkflow();
        assertThat(state.path("transaction").path("status").asText()).isEqualTo("failed");
    }
}
