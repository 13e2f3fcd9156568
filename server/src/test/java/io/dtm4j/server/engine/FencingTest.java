package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Claims and rounds: a round that lost its claim to another node cannot write, and the claim holder
 * finishes the work; this node's scheduler never takes the claim of a round running here, whatever
 * made the transaction due meanwhile (a lease run out during a slow call, resetNextCronTime,
 * resetCronTime), so that round's work is neither lost nor repeated.
 */
class FencingTest {
    private final TestServer dtm = new TestServer();
    private final BusinessStub busi = new BusinessStub();

    @AfterEach
    void stop() {
        dtm.close();
        busi.close();
    }

    private Trans transfer(String gid) {
        return Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                .step(busi.url("TransIn"), busi.url("TransInRevert"), "{}")
                .set("request_timeout", 10);
    }

    private void submitTransfer(String gid) {
        dtm.post("/api/dtmsvr/submit", transfer(gid).body());
    }

    /** Submits a transfer and returns while its round waits on TransOut, which answers after {@code delay}. */
    private void submitWhileTransOutTakes(String gid, Duration delay) {
        busi.script("TransOut", Reply.slow(delay));
        submitTransfer(gid);
        Awaitility.await().until(() -> busi.calls(gid).size() == 1);
    }

    private void assertTransferSucceeded(String gid, String... trail) {
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly(trail);
    }

    @Test
    void aRoundWhoseClaimAnotherNodeTookWhileItWaitedOnABranchWritesNothing() {
        String gid = "fencedSaga";
        submitWhileTransOutTakes(gid, Duration.ofSeconds(2));

        // while the API round waits on TransOut, its lease runs out and another node claims it
        dtm.clock.advanceSeconds(60);
        Instant now = dtm.clock.instant();
        assertThat(dtm.server().store().claimDue(now, now.plusSeconds(10), "other-node", 10, now))
                .hasSize(1);
        Awaitility.await("the fenced round stops")
                .until(() -> dtm.server().engine().activeRounds() == 0);

        assertThat(busi.trail(gid)).containsExactly("TransOut action");
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.transaction(gid).path("owner").asText()).isEqualTo("other-node");

        // the other node is gone: once its lease is over, this node finishes the work
        dtm.clock.advanceSeconds(60);
        assertThat(dtm.cron(Duration.ZERO)).isEqualTo(1);
        assertTransferSucceeded(gid, "TransOut action", "TransOut action", "TransIn action");
    }

    @Test
    void aSchedulerPollLeavesTheClaimOfAnApiRoundWhoseLeaseRanOutDuringASlowCall() {
        String gid = "ownApiRound";
        submitWhileTransOutTakes(gid, Duration.ofSeconds(2));
        String owner = dtm.transaction(gid).path("owner").asText();

        dtm.clock.advanceSeconds(60); // the round's lease is over: the transaction is due
        assertThat(dtm.server().scheduler().runOnce(Duration.ZERO)).isZero();
        assertThat(dtm.transaction(gid).path("owner").asText()).isEqualTo(owner);

        Awaitility.await().until(() -> dtm.server().engine().activeRounds() == 0);
        assertTransferSucceeded(gid, "TransOut action", "TransIn action");
    }

    @Test
    void resetNextCronTimeDuringAScheduledRoundCallsTheBranchOnceMore() {
        aResetDuringAScheduledRoundNeitherFencesItNorRepeatsItsCall(gid -> assertThat(
                        dtm.post("/api/dtmsvr/resetNextCronTime", Map.of("gid", gid))
                                .status())
                .isEqualTo(200));
    }

    @Test
    void resetCronTimeDuringAScheduledRoundCallsTheBranchOnceMore() {
        aResetDuringAScheduledRoundNeitherFencesItNorRepeatsItsCall(
                gid -> assertThat(dtm.get("/api/dtmsvr/resetCronTime?timeout=0").status())
                        .isEqualTo(200));
    }

    /**
     * The scenario of the claim defect: TransIn failed, the scheduler's round retries it (a slow
     * call), and the transaction is made due again meanwhile; the next poll must leave that round
     * alone, so TransIn runs exactly once more and the saga succeeds in that round.
     */
    private void aResetDuringAScheduledRoundNeitherFencesItNorRepeatsItsCall(Consumer<String> reset) {
        String gid = "resetDuringRound";
        busi.script("TransIn", Reply.ERROR, Reply.slow(Duration.ofSeconds(1)));
        submitTransfer(gid);
        Awaitility.await("first round over")
                .until(() ->
                        busi.calls(gid).size() == 2 && dtm.server().engine().activeRounds() == 0);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        dtm.clock.advanceSeconds(60);
        var scheduled =
                CompletableFuture.supplyAsync(() -> dtm.server().scheduler().runOnce(Duration.ZERO));
        Awaitility.await("the retry of TransIn is in flight")
                .until(() -> busi.calls(gid).size() == 3);
        reset.accept(gid);
        assertThat(dtm.server().scheduler().runOnce(Duration.ZERO)).isZero();

        assertThat(scheduled.join()).isEqualTo(1);
        assertTransferSucceeded(gid, "TransOut action", "TransIn action", "TransIn action");
    }

    @Test
    void aRepeatedSubmitDuringARoundWaitsForItInsteadOfRepeatingItsCalls() {
        String gid = "submittedTwice";
        submitWhileTransOutTakes(gid, Duration.ofSeconds(1));

        var again = transfer(gid).set("wait_result", true).body();
        assertThat(dtm.post("/api/dtmsvr/submit", again).status()).isEqualTo(200);

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }
}
