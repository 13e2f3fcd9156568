package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The history of unsuccessful branch calls (docs/operations.md#attempts): kept per branch, bounded,
 * nothing written for calls that succeed, pruned once the transaction is gone.
 */
class AttemptsTest {
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

    JsonNode attempts() {
        var r = dtm.get("/api/dtm4j/attempts?gid=" + gid);
        assertThat(r.status()).isEqualTo(200);
        return dtm.parse(r.body()).path("attempts");
    }

    void submit(Trans t) {
        assertThat(dtm.post("/api/dtmsvr/submit", t.set("wait_result", true).body())
                        .status())
                .isIn(200, 409, 425, 500);
    }

    /** Runs the next scheduled round. */
    void nextRound() {
        dtm.clock.advance(Duration.ofSeconds(dtm.nextCronInterval(gid) + 1));
        dtm.cron();
    }

    @Test
    void failedCallsAreKeptPerBranchWithTimeOutcomeAndError() {
        busi.scriptFor(gid, "TransIn", Reply.ERROR, Reply.ONGOING);
        submit(Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                .step(busi.url("TransIn"), busi.url("TransInRevert"), "{}"));
        nextRound();
        nextRound();
        await().until(() -> dtm.status(gid).equals("succeed"));

        JsonNode history = attempts();
        assertThat(history.has("01 action"))
                .as("a branch that succeeded at once has no history")
                .isFalse();
        JsonNode transIn = history.path("02 action");
        assertThat(transIn).hasSize(2);
        assertThat(transIn.get(0).path("outcome").asText()).isEqualTo("error");
        assertThat(transIn.get(0).path("error").asText()).contains("500").contains("internal error");
        assertThat(transIn.get(1).path("outcome").asText()).isEqualTo("ongoing");
        assertThat(transIn.get(0).path("ms").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(transIn.get(0).path("at").asText())
                .isLessThan(transIn.get(1).path("at").asText());
    }

    @Test
    void aTransactionThatNeverFailsWritesNoHistory() {
        submit(Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}"));
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(attempts()).isEmpty();
        assertThat(dtm.server().store().findKv(Attempts.CATEGORY, gid)).isEmpty();
    }

    @Test
    void onlyTheLastFiveCallsOfABranchAreKept() {
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        List<String> times = new ArrayList<>(List.of(dtm.clock.instant().toString()));
        submit(Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}"));
        for (int i = 0; i < 6; i++) {
            nextRound();
            times.add(dtm.clock.instant().toString());
        }
        await().until(() -> busi.calls(gid).size() == 7);
        JsonNode calls = attempts().path("01 action");
        assertThat(calls).hasSize(Attempts.PER_BRANCH);
        assertThat(calls.findValuesAsText("at")).containsExactlyElementsOf(times.subList(2, 7)); // the newest five
    }

    @Test
    void aHistoryWhoseTransactionIsGoneIsPruned() {
        busi.scriptFor(gid, "TransOut", Reply.ERROR);
        submit(Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}"));
        nextRound();
        await().until(() -> dtm.status(gid).equals("succeed"));
        var attempts = new Attempts(dtm.server().store(), dtm.json);
        assertThat(attempts.of(gid)).containsKey("01 action");
        attempts.prune();
        assertThat(attempts.of(gid)).as("its transaction is still stored").containsKey("01 action");

        dtm.server().store().deleteFinished(dtm.clock.instant().plusSeconds(1), 10_000);
        assertThat(attempts.prune()).isGreaterThanOrEqualTo(1);
        assertThat(attempts.of(gid)).isEmpty();
    }
}
