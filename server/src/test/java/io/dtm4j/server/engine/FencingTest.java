package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A round that lost its claim (slow, paused) cannot write; the claim holder finishes the work. */
class FencingTest {
    private final TestServer dtm = new TestServer();
    private final BusinessStub busi = new BusinessStub();

    @AfterEach
    void stop() {
        dtm.close();
        busi.close();
    }

    @Test
    void aRoundWhoseClaimWasTakenWhileItWaitedOnABranchWritesNothing() {
        String gid = "fencedSaga";
        busi.script("TransOut", Reply.slow(Duration.ofSeconds(2)));
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga(gid)
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                        .step(busi.url("TransIn"), busi.url("TransInRevert"), "{}")
                        .set("request_timeout", 10)
                        .body());
        Awaitility.await().until(() -> busi.calls(gid).size() == 1);

        // while the API round waits on TransOut, its lease runs out and a claim takes the transaction
        dtm.clock.advanceSeconds(60);
        dtm.server().scheduler().runOnce(Duration.ZERO); // not dtm.cron(): that waits for the API round
        String claimOwner = dtm.query(gid).path("transaction").path("owner").asText();
        Awaitility.await("the fenced round stops")
                .until(() -> dtm.server().engine().activeRounds() == 0);

        assertThat(busi.trail(gid)).containsExactly("TransOut action");
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.query(gid).path("transaction").path("owner").asText()).isEqualTo(claimOwner);

        dtm.clock.advanceSeconds(60);
        assertThat(dtm.cron(Duration.ZERO)).isEqualTo(1);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransOut action", "TransIn action");
    }
}
