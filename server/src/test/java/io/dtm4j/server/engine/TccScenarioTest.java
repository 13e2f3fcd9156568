package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The TCC scenarios of dtm's test-suite (docs/protocol.md §19.3), over real HTTP. The test plays
 * the application (prepare, registerBranch, try, submit or abort, as dtm's SDK does,
 * docs/protocol.md §8.4); the stub plays the resource managers. Each test uses its own name as gid.
 */
class TccScenarioTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final Reply OLD_FAILURE = new Reply(200, "{\"dtm_result\":\"FAILURE\"}", Duration.ZERO);
    static final Reply OLD_ONGOING = new Reply(200, "{\"dtm_result\":\"ONGOING\"}", Duration.ZERO);
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

    // ---- the application's side, as dtm's Go SDK does it -------------------------------------

    Map<String, Object> tcc(Object... keyValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "tcc");
        body.put("protocol", "");
        for (int i = 0; i < keyValues.length; i += 2) {
            body.put((String) keyValues[i], keyValues[i + 1]);
        }
        return body;
    }

    TestServer.Response prepare(Object... options) {
        return dtm.post("/api/dtmsvr/prepare", tcc(options));
    }

    TestServer.Response submit(Object... options) {
        return dtm.post("/api/dtmsvr/submit", tcc(options));
    }

    TestServer.Response abort(Object... options) {
        return dtm.post("/api/dtmsvr/abort", tcc(options));
    }

    TestServer.Response register(String route, String branchId, String confirm, String cancel) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "tcc");
        body.put("branch_id", branchId);
        body.put("status", "prepared");
        body.put("data", PAYLOAD);
        body.put("confirm", busi.url(confirm));
        body.put("cancel", busi.url(cancel));
        return dtm.post("/api/dtmsvr/" + route, body);
    }

    TestServer.Response register(String branchId, String confirm, String cancel) {
        return register("registerBranch", branchId, confirm, cancel);
    }

    /** Calls the try of a branch with the query and headers dtm's SDK sends. */
    TestServer.Response tryBranch(String branchId, String endpoint, Map<String, String> headers) {
        String query = "dtm=" + URLEncoder.encode(dtm.dtm(), StandardCharsets.UTF_8) + "&gid=" + gid + "&branch_id="
                + branchId + "&trans_type=tcc&op=try";
        var request = HttpRequest.newBuilder(URI.create(busi.url(endpoint) + "?" + query))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(PAYLOAD));
        headers.forEach(request::header);
        return dtm.send(request);
    }

    /** {@code CallBranch}: registers the branch, then calls its try; returns the try's answer. */
    TestServer.Response callBranch(String branchId, String name) {
        assertThat(register(branchId, name + "Confirm", name + "Revert").body()).isEqualTo(SUCCESS);
        return tryBranch(branchId, name, Map.of());
    }

    void transferTried() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);
        assertThat(callBranch("02", "TransIn").status()).isEqualTo(200);
    }

    static String failed(String message) {
        return "{\"dtm_result\":\"FAILURE\",\"message\":" + quote(message) + "}";
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    List<String> rows() {
        List<String> rows = new ArrayList<>();
        for (JsonNode b : dtm.query(gid).path("branches")) {
            rows.add(b.path("branch_id").asText() + " " + b.path("op").asText() + " "
                    + b.path("url").asText());
        }
        return rows;
    }

    // ---- scenarios ----------------------------------------------------------------------------

    @Test
    void tccConfirmsEveryBranchFromTheLastRegisteredToTheFirst() {
        transferTried();

        assertThat(submit().body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(rows())
                .containsExactly(
                        "01 cancel " + busi.url("TransOutRevert"),
                        "01 confirm " + busi.url("TransOutConfirm"),
                        "02 cancel " + busi.url("TransInRevert"),
                        "02 confirm " + busi.url("TransInConfirm"));
        assertThat(busi.trail(gid))
                .containsExactly("TransOut try", "TransIn try", "TransInConfirm confirm", "TransOutConfirm confirm");
        for (int i = 2; i < 4; i++) {
            var call = busi.calls(gid).get(i);
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.body()).isEqualTo(PAYLOAD);
            assertThat(call.query())
                    .isEqualTo(Map.of("gid", gid, "trans_type", "tcc", "branch_id", "0" + (4 - i), "op", "confirm"));
        }
        assertThat(dtm.rollbackReason(gid)).isEmpty();
    }

    @Test
    void tccCancelsTriedBranchesAfterTheApplicationAborts() {
        busi.scriptFor(gid, "TransIn", Reply.FAILURE);
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);
        var tried = callBranch("02", "TransIn");
        assertThat(tried.status()).isEqualTo(409);
        String reason = tried.body() + " FAILURE";

        var r = abort("rollback_reason", reason, "wait_result", true);

        // TransInRevert succeeded, TransOutRevert answered ONGOING: the round stopped there
        assertThat(r.status()).isEqualTo(425);
        assertThat(dtm.parse(r.body()).path("dtm_result").asText()).isEqualTo("ONGOING");
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "S", "P");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(dtm.rollbackReason(gid)).isEqualTo(reason);
        assertThat(dtm.rollbackReason(gid)).contains("FAILURE");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut try",
                        "TransIn try",
                        "TransInRevert cancel",
                        "TransOutRevert cancel",
                        "TransOutRevert cancel");
        assertThat(busi.calls(gid).get(2).query())
                .isEqualTo(Map.of("gid", gid, "trans_type", "tcc", "branch_id", "02", "op", "cancel"));
        assertThat(busi.calls(gid).get(2).body()).isEqualTo(PAYLOAD);
    }

    @Test
    void preparedTccIsCancelledOnceItTimesOut() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);

        dtm.clock.advanceSeconds(300);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(dtm.rollbackReason(gid)).matches("^Timeout after \\d+ seconds$");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransOutRevert cancel");
        // the application's next CallBranch fails at registration, before its try
        var late = register("02", "TransInConfirm", "TransInRevert");
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.body()).isEqualTo(failed("no trans with gid: " + gid + " status: prepared found FAILURE"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
    }

    @Test
    void preparedTccIsNotCancelledBeforeItTimesOut() {
        assertThat(prepare("timeout_to_fail", 100).body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);

        dtm.clock.advanceSeconds(60);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(busi.trail(gid)).containsExactly("TransOut try");

        dtm.clock.advanceSeconds(60);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("Timeout after 100 seconds");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransOutRevert cancel");
    }

    @Test
    void shortTimeoutToFailIsAlsoTheRetryIntervalOfAPreparedTcc() {
        assertThat(prepare("timeout_to_fail", 2).body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(2);

        dtm.clock.advanceSeconds(3);
        dtm.cron(Duration.ZERO);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("Timeout after 2 seconds");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
    }

    @Test
    void abortOfAnUnknownGidIsAnError() {
        var r = abort();

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("{\"message\":\"no TransGlobal with gid: " + gid + " found\"}");
    }

    @Test
    void forceStopOfASubmittedTccEndsItsConfirmRetries() {
        busi.scriptFor(gid, "TransInConfirm", Reply.ONGOING);
        transferTried();
        assertThat(submit("wait_result", true).status()).isEqualTo(425);

        assertThat(dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid)).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransIn try", "TransInConfirm confirm");
    }

    @Test
    void branchHeadersReachConfirmOnSubmitAndOnRetry() {
        Map<String, String> headers = Map.of("test_header", "test");
        busi.scriptFor(gid, "TransOutConfirm", Reply.ONGOING);
        assertThat(prepare("branch_headers", headers).body()).isEqualTo(SUCCESS);
        assertThat(register("01", "TransOutConfirm", "TransOutRevert").body()).isEqualTo(SUCCESS);
        assertThat(tryBranch("01", "TransOut", headers).status()).isEqualTo(200);

        var r = submit("branch_headers", headers, "wait_result", true);
        assertThat(r.status()).isEqualTo(425);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(busi.trail(gid))
                .containsExactly("TransOut try", "TransOutConfirm confirm", "TransOutConfirm confirm");
        for (var call : busi.calls(gid)) {
            assertThat(call.header("test_header")).isEqualTo("test");
        }
    }

    @Test
    void nestedTccBranchIsConfirmedBeforeItsParent() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);
        assertThat(register("02", "TransInConfirm", "TransInRevert").body()).isEqualTo(SUCCESS);
        assertThat(tryBranch("02", "TransInTccParent", Map.of()).status()).isEqualTo(200);
        // inside its try, the parent RM opens a nested branch under the branch id it received
        var parentTry = busi.calls(gid).get(1);
        assertThat(parentTry.query().get("dtm")).isEqualTo(dtm.dtm());
        String nested = parentTry.query().get("branch_id") + "01";
        assertThat(register(nested, "TransInNestedConfirm", "TransInNestedRevert")
                        .body())
                .isEqualTo(SUCCESS);
        assertThat(tryBranch(nested, "TransInNested", Map.of()).status()).isEqualTo(200);

        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S", "P", "S");
        assertThat(rows())
                .containsExactly(
                        "01 cancel " + busi.url("TransOutRevert"),
                        "01 confirm " + busi.url("TransOutConfirm"),
                        "02 cancel " + busi.url("TransInRevert"),
                        "02 confirm " + busi.url("TransInConfirm"),
                        "0201 cancel " + busi.url("TransInNestedRevert"),
                        "0201 confirm " + busi.url("TransInNestedConfirm"));
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut try",
                        "TransInTccParent try",
                        "TransInNested try",
                        "TransInNestedConfirm confirm",
                        "TransInConfirm confirm",
                        "TransOutConfirm confirm");
        assertThat(busi.calls(gid).get(3).query().get("branch_id")).isEqualTo("0201");
    }

    @Test
    void legacyRmsAnsweringOkWithResultBodiesAreConfirmed() {
        busi.alwaysFor(gid, "TransOutConfirm", new Reply(200, SUCCESS, Duration.ZERO));
        busi.alwaysFor(gid, "TransInConfirm", new Reply(200, SUCCESS, Duration.ZERO));
        transferTried();

        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
    }

    @Test
    void legacyRmsAnsweringOkWithFailureAndOngoingBodiesAreRolledBack() {
        busi.scriptFor(gid, "TransIn", OLD_FAILURE);
        busi.scriptFor(gid, "TransOutRevert", OLD_ONGOING);
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOut").status()).isEqualTo(200);
        var tried = callBranch("02", "TransIn");
        // the SDK reads FAILURE from the body although the status is 200
        assertThat(tried.status()).isEqualTo(200);
        assertThat(tried.body()).contains("FAILURE");

        var r = abort("rollback_reason", tried.body() + " FAILURE", "wait_result", true);

        assertThat(r.status()).isEqualTo(425);
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "S", "P");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(dtm.rollbackReason(gid)).contains("FAILURE");
    }

    @Test
    void confirmAnsweringFailureIsRetriedWithBackoffAndNeverFailsTheBranch() {
        busi.scriptFor(gid, "TransInConfirm", Reply.FAILURE);
        transferTried();

        submit();

        // FAILURE from a confirm is no business answer: the interval doubles, the row stays prepared
        await().until(() -> dtm.nextCronInterval(gid) == 20);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut try",
                        "TransIn try",
                        "TransInConfirm confirm",
                        "TransInConfirm confirm",
                        "TransOutConfirm confirm");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
    }

    @Test
    void legacyRegisterTccBranchRouteRegistersLikeRegisterBranch() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        Map<String, String> legacy = new LinkedHashMap<>();
        legacy.put("gid", gid);
        legacy.put("trans_type", "tcc");
        legacy.put("branch_id", "01");
        legacy.put("status", "prepared");
        legacy.put("data", PAYLOAD);
        legacy.put("try", busi.url("TransOut"));
        legacy.put("confirm", busi.url("TransOutConfirm"));
        legacy.put("cancel", busi.url("TransOutRevert"));
        assertThat(dtm.post("/api/dtmsvr/registerTccBranch", legacy).body()).isEqualTo(SUCCESS);
        assertThat(register("registerXaBranch", "02", "TransInConfirm", "TransInRevert")
                        .body())
                .isEqualTo(SUCCESS);

        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);

        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransInConfirm confirm", "TransOutConfirm confirm");
    }

    @Test
    void registeringTheSameBranchTwiceIsAnError() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(register("01", "TransOutConfirm", "TransOutRevert").body()).isEqualTo(SUCCESS);

        var again = register("01", "TransOutConfirm", "TransOutRevert");

        assertThat(again.status()).isEqualTo(500);
        assertThat(again.body())
                .isEqualTo("{\"message\":\"gid '" + gid + "': branch 01 op cancel is already registered\"}");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
    }

    @Test
    void registeringAfterSubmitIsRefused() {
        transferTried();
        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);

        var late = register("03", "TransOutConfirm", "TransOutRevert");

        assertThat(late.status()).isEqualTo(409);
        assertThat(late.body()).isEqualTo(failed("no trans with gid: " + gid + " status: prepared found FAILURE"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
    }

    @Test
    void registeringWithoutAPreparedGlobalIsRefused() {
        var r = register("01", "TransOutConfirm", "TransOutRevert");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed("no trans with gid: " + gid + " status: prepared found FAILURE"));
        assertThat(dtm.transaction(gid).isNull()).isTrue();
    }

    @Test
    void registeringAnUnsupportedTypeIsAnError() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);

        var r = dtm.post(
                "/api/dtmsvr/registerBranch",
                Map.of("gid", gid, "trans_type", "x", "branch_id", "01", "data", PAYLOAD));

        assertThat(r.status()).isEqualTo(500);
        assertThat(r.body()).isEqualTo("{\"message\":\"unknow trans type: x\"}");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
    }

    @Test
    void registeringWithANonStringValueIsABadRequest() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);

        var r = dtm.post(
                "/api/dtmsvr/registerBranch",
                "{\"gid\":\"" + gid + "\",\"trans_type\":\"tcc\",\"branch_id\":1,\"confirm\":\"\",\"cancel\":\"\"}");

        assertThat(r.status()).isEqualTo(400);
        assertThat(dtm.parse(r.body()).path("message").asText()).isNotEmpty();
        assertThat(dtm.parse(r.body()).has("dtm_result")).isFalse();
        assertThat(dtm.branchStatuses(gid)).isEmpty();
    }

    @Test
    void submitWithWaitResultAnswersOnceTheConfirmsAreDone() {
        transferTried();

        var r = submit("wait_result", true);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(dtm.transaction(gid).path("finish_time").isTextual()).isTrue();
    }

    @Test
    void abortWithWaitResultAnswersOnceTheCancelsAreDone() {
        transferTried();

        var r = abort("rollback_reason", "business error", "wait_result", true);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("business error");
        assertThat(dtm.transaction(gid).path("rollback_time").isTextual()).isTrue();
        assertThat(busi.trail(gid))
                .containsExactly("TransOut try", "TransIn try", "TransInRevert cancel", "TransOutRevert cancel");
    }

    @Test
    void abortInTheBackgroundCancelsEveryBranch() {
        transferTried();

        assertThat(abort().body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("failed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
    }

    @Test
    void abortWithAnotherTransTypeIsRefused() {
        transferTried();

        var r = abort("trans_type", "saga");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed("trans type: 'tcc' current status 'prepared', cannot abort. FAILURE"));
        assertThat(dtm.status(gid)).isEqualTo("prepared");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransIn try");
    }

    @Test
    void abortOfASubmittedTccIsRefused() {
        busi.scriptFor(gid, "TransInConfirm", Reply.ONGOING);
        transferTried();
        assertThat(submit("wait_result", true).status()).isEqualTo(425);

        var r = abort();

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed("trans type: 'tcc' current status 'submitted', cannot abort. FAILURE"));
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
    }

    @Test
    void abortAgainWhileAbortingRunsTheRemainingCancels() {
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);
        transferTried();
        assertThat(abort("rollback_reason", "first", "wait_result", true).status())
                .isEqualTo(425);

        var r = abort("rollback_reason", "second", "wait_result", true);

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        // each abort changes the status to aborting again, storing its non-empty reason
        // (docs/protocol.md §3.5)
        assertThat(dtm.rollbackReason(gid)).isEqualTo("second");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut try",
                        "TransIn try",
                        "TransInRevert cancel",
                        "TransOutRevert cancel",
                        "TransOutRevert cancel");
    }

    @Test
    void abortAgainWithoutAReasonKeepsTheStoredReason() {
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);
        transferTried();
        assertThat(abort("rollback_reason", "first", "wait_result", true).status())
                .isEqualTo(425);

        assertThat(abort("wait_result", true).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("first");
    }

    @Test
    void submitAndPrepareOfAnAbortingTccAreRefused() {
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);
        transferTried();
        assertThat(abort("wait_result", true).status()).isEqualTo(425);

        var submitted = submit();
        var prepared = prepare();

        assertThat(submitted.status()).isEqualTo(409);
        assertThat(submitted.body()).isEqualTo(failed("current status 'aborting', cannot sumbmit. FAILURE"));
        assertThat(prepared.status()).isEqualTo(409);
        assertThat(prepared.body()).isEqualTo(failed("current status 'aborting', cannot prepare. FAILURE"));
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
    }

    @Test
    void emptyConfirmUrlsCountAsDoneWithoutACall() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        var body = Map.of(
                "gid", gid, "trans_type", "tcc", "branch_id", "01", "data", PAYLOAD, "confirm", "", "cancel", "");
        assertThat(dtm.post("/api/dtmsvr/registerBranch", body).body()).isEqualTo(SUCCESS);
        assertThat(tryBranch("01", "TransOut", Map.of()).status()).isEqualTo(200);

        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut try");
    }

    @Test
    void missingConfirmAndCancelKeysAreEmptyUrls() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        var body = Map.of("gid", gid, "trans_type", "tcc", "branch_id", "01", "data", PAYLOAD);

        assertThat(dtm.post("/api/dtmsvr/registerBranch", body).body()).isEqualTo(SUCCESS);

        assertThat(rows()).containsExactly("01 cancel ", "01 confirm ");
        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void forceStopOfAPreparedTccFailsItWithoutCallingAnyBranch() {
        transferTried();

        var r = dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.transaction(gid).path("rollback_time").isTextual()).isTrue();
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransIn try");
        var again = dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.body())
                .isEqualTo(failed("global transaction force stop error. status: failed. error: FAILURE"));
    }
}
