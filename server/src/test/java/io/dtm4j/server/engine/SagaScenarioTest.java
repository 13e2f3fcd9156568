package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The saga scenarios of dtm's test-suite (docs/protocol.md §19.1), over real HTTP. Each test uses
 * its own name as gid and scripts the stub for that gid only.
 */
class SagaScenarioTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final String CONCURRENT_1_AFTER_0 = "{\"concurrent\":true,\"orders\":{\"1\":[0]}}";
    static final String SUCCESS = "{\"dtm_result\":\"SUCCESS\"}";
    static final TestServer dtm = new TestServer();
    static final BusinessStub busi = new BusinessStub();
    static final TestServer capped = new TestServer(c -> Configs.maxRetryInterval(c, 40));

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        capped.close();
        busi.close();
    }

    Trans transfer() {
        return Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD)
                .step(busi.url("TransIn"), busi.url("TransInRevert"), PAYLOAD);
    }

    Trans concurrentTransfer(String customData) {
        return transfer().set("concurrent", true).set("custom_data", customData);
    }

    TestServer.Response submit(Trans t) {
        return dtm.post("/api/dtmsvr/submit", t.body());
    }

    TestServer.Response submitAndWait(Trans t) {
        return submit(t.set("wait_result", true));
    }

    static String failed(String message) {
        return "{\"dtm_result\":\"FAILURE\",\"message\":" + quote(message) + "}";
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    String failureReason(String endpoint, Reply reply) {
        return "url:" + busi.url(endpoint) + " return failed: " + reply.body() + " FAILURE";
    }

    @Test
    void sagaRunsBothActionsInOrderAndSucceeds() {
        var r = submitAndWait(transfer());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(r.contentType()).isEqualTo("application/json; charset=utf-8");
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(dtm.rollbackReason(gid)).isEmpty();
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        List<BusinessStub.Call> calls = busi.calls(gid);
        for (int i = 0; i < 2; i++) {
            var call = calls.get(i);
            assertThat(call.method()).isEqualTo("POST");
            assertThat(call.body()).isEqualTo(PAYLOAD);
            assertThat(call.header("Content-Type")).isEqualTo("application/json");
            assertThat(call.query())
                    .isEqualTo(Map.of("gid", gid, "trans_type", "saga", "branch_id", "0" + (i + 1), "op", "action"));
        }
    }

    @Test
    void sagaCompensatesInReverseOrderWhenSecondActionFails() {
        Reply insufficient = Reply.failure("Insufficient balance");
        busi.scriptFor(gid, "TransIn", insufficient);

        submit(transfer());

        await().until(() -> dtm.status(gid).equals("failed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
        var compensate = busi.calls(gid).get(2);
        assertThat(compensate.method()).isEqualTo("POST");
        assertThat(compensate.body()).isEqualTo(PAYLOAD);
        assertThat(compensate.query())
                .isEqualTo(Map.of("gid", gid, "trans_type", "saga", "branch_id", "02", "op", "compensate"));
        assertThat(dtm.rollbackReason(gid)).isEqualTo(failureReason("TransIn", insufficient));
        assertThat(dtm.rollbackReason(gid)).contains("Insufficient balance");
    }

    @Test
    void ongoingActionIsRetriedByTheScheduler() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        submit(transfer());

        await().until(() -> busi.calls(gid).size() == 1);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.cron()).isGreaterThanOrEqualTo(1);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOut action", "TransIn action");
    }

    @Test
    void failingCompensationIsRetriedByTheSchedulerUntilTheSagaFails() {
        Reply insufficient = Reply.failure("Insufficient balance");
        busi.scriptFor(gid, "TransIn", insufficient);
        busi.scriptFor(gid, "TransOutRevert", Reply.ERROR);

        submit(transfer());

        // the errored compensation doubles the retry interval: the round is over
        await().until(() -> dtm.nextCronInterval(gid) == 20);
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "S", "F");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action",
                        "TransIn action",
                        "TransInRevert compensate",
                        "TransOutRevert compensate",
                        "TransOutRevert compensate");
        assertThat(dtm.rollbackReason(gid)).isEqualTo(failureReason("TransIn", insufficient));
    }

    /**
     * A crash between an action's {@code failed} row reaching the store and the status change to
     * {@code aborting} (the row rode in a lease write, or was written on its own after the lag): the
     * next round must roll back, not wait forever or succeed (docs/protocol.md §8.2 step 5).
     */
    void markFailedInTheStoreAsACrashWouldLeaveIt(String branchId) {
        await().until(() -> dtm.server().engine().activeRounds() == 0);
        assertThat(dtm.server()
                        .store()
                        .updateBranchStatus(
                                gid,
                                branchId,
                                "action",
                                io.dtm4j.protocol.TransStatus.FAILED,
                                dtm.clock.instant(),
                                null))
                .isTrue();
    }

    @Test
    void aFailedActionWhoseAbortWasLostRollsTheSagaBack() {
        busi.scriptFor(gid, "TransIn", Reply.ERROR);
        submit(transfer());
        await().until(() -> busi.calls(gid).size() == 2);
        markFailedInTheStoreAsACrashWouldLeaveIt("02");

        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("fail message lost");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
    }

    @Test
    void aConcurrentSagaWithAFailedActionWhoseAbortWasLostNeverSucceeds() {
        busi.scriptFor(gid, "TransOut", Reply.ERROR);
        submit(concurrentTransfer("{\"concurrent\":true}"));
        await().until(() -> busi.calls(gid).size() == 2 && dtm.status(gid).equals("submitted"));
        markFailedInTheStoreAsACrashWouldLeaveIt("01");

        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("fail message lost");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "F", "S", "S");
        assertThat(busi.trail(gid))
                .containsExactlyInAnyOrder(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
    }

    @Test
    void submitIsAcceptedAgainWhileSubmittedAndRefusedOnceSucceeded() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        submit(transfer());
        await().until(() -> busi.calls(gid).size() == 1);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        var again = submit(transfer());
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(SUCCESS);
        await().until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");

        var late = submit(transfer());
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.body()).isEqualTo(failed("current status 'succeed', cannot sumbmit. FAILURE"));
        // dtm4j reloads the stored branches on a repeated submit (docs/protocol.md §20.8): nothing
        // finished is called twice
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOut action", "TransIn action");
    }

    @Test
    void emptyActionUrlCountsAsSuccessWithoutACall() {
        var t = Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD)
                .step("", busi.url("TransInRevert"), PAYLOAD);

        var r = submitAndWait(t);

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action");
    }

    @Test
    void legacyPayloadsInStepDataAreSentAsBodies() {
        String raw = "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"steps\":["
                + "{\"action\":\"" + busi.url("TransOut") + "\",\"compensate\":\"" + busi.url("TransOutRevert")
                + "\",\"data\":\"{\\\"amount\\\":30}\"},"
                + "{\"action\":\"" + busi.url("TransIn") + "\",\"compensate\":\"" + busi.url("TransInRevert")
                + "\",\"data\":\"{\\\"amount\\\":40}\"}],\"wait_result\":true}";

        var r = dtm.post("/api/dtmsvr/submit", raw);

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.calls(gid))
                .extracting(BusinessStub.Call::body)
                .containsExactly("{\"amount\":30}", "{\"amount\":40}");
    }

    @Test
    void ongoingActionWithRetryIntervalIsRetriedWithinTheHorizon() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);
        var t = Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD)
                .set("retry_interval", 150);

        submit(t);
        await().until(() -> busi.calls(gid).size() == 1);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(150);
    }

    @Test
    void erroredActionBacksOffBeyondTheDefaultHorizon() {
        busi.scriptFor(gid, "TransOut", Reply.ERROR);
        var t = Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD)
                .set("retry_interval", 150);

        submit(t);
        await().until(() -> dtm.nextCronInterval(gid) == 300);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P");

        dtm.cron(); // due at +300, beyond the 180 s look-ahead
        assertThat(busi.calls(gid)).hasSize(1);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        dtm.cron(Duration.ofSeconds(360));
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOut action");
    }

    @Test
    void sagaPastItsTimeoutCompensatesTheStartedStepAndFails() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        submit(transfer().set("timeout_to_fail", 1800));
        await().until(() -> busi.calls(gid).size() == 1);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        dtm.clock.advanceSeconds(3600);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "P", "P");
        assertThat(dtm.rollbackReason(gid)).matches("^Timeout after \\d+ seconds$");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("Timeout after 1800 seconds");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOutRevert compensate");
    }

    @Test
    void submitWithWaitResultAnswersOnlyAfterTheSagaSucceeded() {
        busi.scriptFor(gid, "TransIn", Reply.slow(Duration.ofMillis(300)));

        var r = submitAndWait(transfer());

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(dtm.transaction(gid).path("options").asText())
                .isEqualTo("{\"wait_result\":true,\"concurrent\":false}");
    }

    @Test
    void submitWithWaitResultReportsAnOngoingSagaAsNotSucceeded() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        var r = submitAndWait(transfer());

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed("wait result not return success: FAILURE"));
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
    }

    @Test
    void submitWithWaitResultReportsTheRollbackReason() {
        Reply insufficient = Reply.failure("Insufficient balance");
        busi.scriptFor(gid, "TransIn", insufficient);

        var r = submitAndWait(transfer());

        String reason = failureReason("TransIn", insufficient);
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed(reason + " FAILURE"));
        assertThat(r.body()).contains("Insufficient balance");
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(dtm.rollbackReason(gid)).isEqualTo(reason);
    }

    @Test
    void branchHeadersAreSentWithEveryBranchCall() {
        var r = submitAndWait(transfer().set("branch_headers", Map.of("test_header", "test")));

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.calls(gid)).hasSize(2).allSatisfy(c -> {
            assertThat(c.header("test_header")).isEqualTo("test");
            assertThat(c.header("Content-Type")).isEqualTo("application/json");
        });
    }

    @Test
    void branchHeadersAreSentAgainWhenTheSchedulerRetries() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        submit(transfer().set("branch_headers", Map.of("test_header", "test")));
        await().until(() -> busi.calls(gid).size() == 1);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOut action", "TransIn action");
        assertThat(busi.calls(gid))
                .allSatisfy(c -> assertThat(c.header("test_header")).isEqualTo("test"));
    }

    @Test
    void actionWithinItsRetryLimitIsRetriedImmediately() {
        busi.scriptFor(gid, "TransIn", Reply.ERROR, Reply.ERROR, Reply.ERROR);

        var r = submitAndWait(transfer().set("retry_limit", 3));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransIn action", "TransIn action", "TransIn action");
    }

    @Test
    void actionBeyondItsRetryLimitRollsTheSagaBack() {
        busi.scriptFor(gid, "TransIn", Reply.ERROR, Reply.ERROR, Reply.ERROR);

        var r = submitAndWait(transfer().set("retry_limit", 1));

        String reason = "RetryCount is greater than RetryLimit, RetryLimit: 1";
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).isEqualTo(failed(reason + " FAILURE"));
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "P");
        assertThat(dtm.rollbackReason(gid)).isEqualTo(reason);
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action",
                        "TransIn action",
                        "TransIn action",
                        "TransInRevert compensate",
                        "TransOutRevert compensate");
    }

    @Test
    void requestTimeoutOfTheTransactionAllowsSlowerBranches() {
        // slower than the server's RequestTimeout of 3 s, within the transaction's 6 s
        busi.scriptFor(gid, "TransOut", Reply.slow(Duration.ofMillis(3500)));

        var r = submitAndWait(transfer().set("request_timeout", 6));

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }

    @Test
    void concurrentSagaSucceeds() {
        var r = submitAndWait(concurrentTransfer("{\"concurrent\":true}"));

        assertThat(r.body()).isEqualTo(SUCCESS);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactlyInAnyOrder("TransOut action", "TransIn action");
    }

    @Test
    void concurrentSagaLetsAnActionInFlightFinishBeforeCompensating() {
        busi.scriptFor(gid, "TransOut", Reply.failure("no money"));
        busi.scriptFor(gid, "TransIn", Reply.slow(Duration.ofMillis(300)));

        var r = submitAndWait(concurrentTransfer("{\"concurrent\":true}"));

        assertThat(r.status()).isEqualTo(409);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        // the late TransIn's success is written by the round that started it, before it ended
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "F", "S", "S");
    }

    @Test
    void concurrentSagaRetriesAnOngoingCompensationUntilItFails() {
        Reply noMoney = Reply.failure("no money");
        busi.scriptFor(gid, "TransOut", noMoney);
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);

        var r = submitAndWait(concurrentTransfer("{\"concurrent\":true}"));

        assertThat(r.status()).isEqualTo(409);
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        // dtm leaves this list unspecified (docs/protocol.md §20.23); by §8.2 every started step is
        // compensated
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "F", "S", "S");
        assertThat(dtm.rollbackReason(gid)).isEqualTo(failureReason("TransOut", noMoney));
        assertThat(busi.trail(gid))
                .containsExactlyInAnyOrder(
                        "TransOut action",
                        "TransIn action",
                        "TransInRevert compensate",
                        "TransOutRevert compensate",
                        "TransOutRevert compensate");
    }

    @Test
    void concurrentSagaNeverStartsAStepWhosePredecessorFailed() {
        busi.scriptFor(gid, "TransOut", Reply.FAILURE);

        var r = submitAndWait(concurrentTransfer(CONCURRENT_1_AFTER_0));

        assertThat(r.status()).isEqualTo(409);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "F", "P", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOutRevert compensate");
    }

    @Test
    void concurrentSagaCompensatesInReverseOfItsOrders() {
        busi.scriptFor(gid, "TransIn", Reply.FAILURE);

        var r = submitAndWait(concurrentTransfer(CONCURRENT_1_AFTER_0));

        assertThat(r.status()).isEqualTo(409);
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
    }

    @Test
    void concurrentSagaKeepsTheFinishedBranchWhileAnotherIsOngoing() {
        busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        var r = submitAndWait(concurrentTransfer("{\"concurrent\":true}"));

        assertThat(r.status()).isEqualTo(409);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "S");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactlyInAnyOrder("TransOut action", "TransIn action", "TransOut action");
    }

    @Test
    void concurrentSagaDoesNotLetASlowBranchDelayAnother() {
        busi.scriptFor(gid, "TransOut", Reply.slow(Duration.ofMillis(2000)));

        submit(concurrentTransfer("{\"concurrent\":true}"));

        await().atMost(Duration.ofMillis(1500))
                .until(() -> dtm.branchStatuses(gid).equals(List.of("P", "P", "P", "S")));
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        await().atMost(Duration.ofSeconds(5)).until(() -> dtm.status(gid).equals("succeed"));
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
    }

    @Test
    void repeatedErrorsDoubleTheRetryIntervalUpToMaxRetryInterval() {
        busi.scriptFor(gid, "TransOut", Reply.ERROR, Reply.ERROR, Reply.ERROR, Reply.ERROR);
        var t = Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD);

        var r = capped.post("/api/dtmsvr/submit", t.set("wait_result", true).body());

        assertThat(r.status()).isEqualTo(409);
        assertThat(capped.nextCronInterval(gid)).isEqualTo(20);
        capped.cron();
        assertThat(capped.nextCronInterval(gid)).isEqualTo(40);
        capped.cron();
        assertThat(capped.nextCronInterval(gid)).isEqualTo(40); // MaxRetryInterval 40, not 80
        capped.cron();
        assertThat(capped.nextCronInterval(gid)).isEqualTo(40);
        assertThat(capped.status(gid)).isEqualTo("submitted");
        capped.cron();
        assertThat(capped.status(gid)).isEqualTo("succeed");
        assertThat(capped.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(capped.nextCronInterval(gid)).isEqualTo(10); // a success resets the backoff
        assertThat(busi.calls(gid)).hasSize(5);
    }
}
