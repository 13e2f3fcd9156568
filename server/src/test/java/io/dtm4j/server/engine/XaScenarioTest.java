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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The server side of dtm's XA scenarios (docs/protocol.md §19.4), over real HTTP. The test plays
 * the application (prepare, action calls, submit or abort) and the resource managers' registration
 * after their local XA prepare (docs/protocol.md §8.5); the stub answers the action and phase-2
 * calls. Each test uses its own name as gid.
 */
class XaScenarioTest {
    static final String PAYLOAD = "{\"amount\":30}";
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

    Map<String, Object> xa(Object... keyValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", "xa");
        body.put("protocol", "");
        for (int i = 0; i < keyValues.length; i += 2) {
            body.put((String) keyValues[i], keyValues[i + 1]);
        }
        return body;
    }

    TestServer.Response prepare(Object... options) {
        return dtm.post("/api/dtmsvr/prepare", xa(options));
    }

    TestServer.Response submit(Object... options) {
        return dtm.post("/api/dtmsvr/submit", xa(options));
    }

    TestServer.Response abort(Object... options) {
        return dtm.post("/api/dtmsvr/abort", xa(options));
    }

    /**
     * {@code xa.CallBranch}: the application calls the RM's action; an RM whose local transaction
     * prepared registers its branch with the phase-2 URL (here the action URL itself, as dtm's
     * {@code XaLocalTransaction} handlers do).
     */
    TestServer.Response callBranch(String branchId, String endpoint) {
        String url = busi.url(endpoint);
        String query = "dtm=" + URLEncoder.encode(dtm.dtm(), StandardCharsets.UTF_8) + "&gid=" + gid
                + "&branch_id=" + branchId + "&trans_type=xa&op=action&phase2_url="
                + URLEncoder.encode(url, StandardCharsets.UTF_8);
        var r = dtm.send(HttpRequest.newBuilder(URI.create(url + "?" + query))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(PAYLOAD)));
        if (r.status() == 200) {
            assertThat(register("registerBranch", branchId, url).body()).isEqualTo(SUCCESS);
        }
        return r;
    }

    TestServer.Response register(String route, String branchId, String url) {
        return dtm.post(
                "/api/dtmsvr/" + route, Map.of("gid", gid, "trans_type", "xa", "branch_id", branchId, "url", url));
    }

    static String failed(String message) {
        return "{\"dtm_result\":\"FAILURE\",\"message\":\"" + message + "\"}";
    }

    List<String> rows() {
        List<String> rows = new ArrayList<>();
        for (JsonNode b : dtm.query(gid).path("branches")) {
            rows.add(b.path("branch_id").asText() + " " + b.path("op").asText() + " "
                    + b.path("url").asText() + " [" + b.path("bin_data").asText() + "]");
        }
        return rows;
    }

    @Test
    void xaCommitsEveryBranchFromTheFirstRegisteredToTheLast() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);
        assertThat(callBranch("02", "TransInXa").status()).isEqualTo(200);

        assertThat(submit().body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(rows())
                .containsExactly(
                        "01 rollback " + busi.url("TransOutXa") + " []",
                        "01 commit " + busi.url("TransOutXa") + " []",
                        "02 rollback " + busi.url("TransInXa") + " []",
                        "02 commit " + busi.url("TransInXa") + " []");
        assertThat(busi.trail(gid))
                .containsExactly("TransOutXa action", "TransInXa action", "TransOutXa commit", "TransInXa commit");
        for (int i = 2; i < 4; i++) {
            var call = busi.calls(gid).get(i);
            // phase 2 is always a POST, even with an empty body
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.body()).isEmpty();
            assertThat(call.query())
                    .isEqualTo(Map.of("gid", gid, "trans_type", "xa", "branch_id", "0" + (i - 1), "op", "commit"));
        }
    }

    @Test
    void xaRollsBackTheRegisteredBranchWhenALaterLocalTransactionFails() {
        busi.scriptFor(gid, "TransInXa", Reply.FAILURE);
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);
        assertThat(callBranch("02", "TransInXa").status()).isEqualTo(409);

        assertThat(abort().body()).isEqualTo(SUCCESS);

        await().until(() -> dtm.status(gid).equals("failed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutXa action", "TransInXa action", "TransOutXa rollback");
        var rollback = busi.calls(gid).get(2);
        assertThat(rollback.method()).isEqualTo("POST");
        assertThat(rollback.body()).isEmpty();
        assertThat(rollback.query())
                .isEqualTo(Map.of("gid", gid, "trans_type", "xa", "branch_id", "01", "op", "rollback"));
        assertThat(dtm.rollbackReason(gid)).isEmpty();
    }

    @Test
    void xaAbortedBeforeAnyBranchFailsWithoutCalls() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);

        var r = abort("wait_result", true);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void aBranchRegisteredAfterTheTimeoutRoundReadTheRowsIsRolledBackToo() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);
        ActiveTrans round = dtm.server().engine().stored(gid); // a scheduler round has read the rows...
        assertThat(callBranch("02", "TransInXa").status()).isEqualTo(200); // ...when another RM registers
        dtm.clock.advanceSeconds(300);

        new XaProcessor().processOnce(round);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).matches("^Timeout after \\d+ seconds$");
        // found by the fault-injection suite: TransIn's prepared XA transaction was left holding its locks
        assertThat(busi.trail(gid))
                .containsExactly("TransOutXa action", "TransInXa action", "TransOutXa rollback", "TransInXa rollback");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
    }

    @Test
    void preparedXaFailsOnceItTimesOut() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);

        dtm.clock.advanceSeconds(300);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).matches("^Timeout after \\d+ seconds$");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
        assertThat(busi.calls(gid)).isEmpty();
        // the application's late submit is refused
        var late = submit();
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.body()).isEqualTo(failed("current status 'failed', cannot sumbmit. FAILURE"));
    }

    @Test
    void ongoingCommitIsRetriedByTheSchedulerWithoutTimingOut() {
        busi.scriptFor(gid, "TransOutXa", Reply.SUCCESS, Reply.ONGOING);
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);

        var r = submit("wait_result", true);

        assertThat(r.status()).isEqualTo(425);
        assertThat(dtm.parse(r.body()).path("dtm_result").asText()).isEqualTo("ONGOING");
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        // a submitted XA is past its timeout: it is only committed, never rolled back
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
        assertThat(busi.trail(gid)).containsExactly("TransOutXa action", "TransOutXa commit", "TransOutXa commit");
    }

    @Test
    void failingRollbackIsRetriedWithBackoffUntilItSucceeds() {
        busi.scriptFor(gid, "TransOutXa", Reply.SUCCESS, Reply.ERROR);
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);

        var r = abort("wait_result", true);

        assertThat(r.status()).isEqualTo(500);
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutXa action", "TransOutXa rollback", "TransOutXa rollback");
    }

    @Test
    void branchDataIsSentWithPhaseTwo() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        var body = Map.of(
                "gid", gid, "trans_type", "xa", "branch_id", "01", "url", busi.url("TransOutXa"), "data", PAYLOAD);
        assertThat(dtm.post("/api/dtmsvr/registerBranch", body).body()).isEqualTo(SUCCESS);

        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);

        assertThat(busi.calls(gid).get(0).body()).isEqualTo(PAYLOAD);
        assertThat(busi.calls(gid).get(0).method()).isEqualTo("POST");
    }

    @Test
    void legacyRegisterXaBranchRouteRegistersLikeRegisterBranch() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);

        assertThat(register("registerXaBranch", "01", busi.url("TransOutXa")).body())
                .isEqualTo(SUCCESS);
        assertThat(register("registerTccBranch", "02", busi.url("TransInXa")).body())
                .isEqualTo(SUCCESS);
        var duplicate = register("registerXaBranch", "01", busi.url("TransOutXa"));

        assertThat(duplicate.status()).isEqualTo(500);
        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOutXa commit", "TransInXa commit");
    }

    @Test
    void abortIsJudgedByTheRequestedTransTypeNotTheStoredOne() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);

        var refused = abort("trans_type", "saga");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body())
                .isEqualTo(failed("trans type: 'xa' current status 'prepared', cannot abort. FAILURE"));
        var accepted = abort("trans_type", "tcc", "wait_result", true);

        // processing follows the stored type: xa rows are rolled back
        assertThat(accepted.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutXa action", "TransOutXa rollback");
    }

    @Test
    void missingUrlKeyIsAnEmptyUrl() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);

        var r = dtm.post("/api/dtmsvr/registerBranch", Map.of("gid", gid, "trans_type", "xa", "branch_id", "01"));

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(rows()).containsExactly("01 rollback  []", "01 commit  []");
        assertThat(abort("wait_result", true).body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void abortOfASucceededXaIsRefused() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(submit("wait_result", true).body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");

        var r = abort();

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed("trans type: 'xa' current status 'succeed', cannot abort. FAILURE"));
    }

    @Test
    void forceStopOfAPreparedXaFailsItWithoutCallingAnyBranch() {
        assertThat(prepare().body()).isEqualTo(SUCCESS);
        assertThat(callBranch("01", "TransOutXa").status()).isEqualTo(200);

        assertThat(dtm.post("/api/dtmsvr/forceStop", Map.of("gid", gid)).body()).isEqualTo(SUCCESS);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");
        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(busi.trail(gid)).containsExactly("TransOutXa action");
    }
}
