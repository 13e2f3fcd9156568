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

/** The recovery loop itself (other tests run the scheduler once instead). */
class SchedulerTest {
    private final TestServer dtm = new TestServer();
    private final BusinessStub busi = new BusinessStub();

    @AfterEach
    void stop() {
        dtm.close();
        busi.close();
    }

    @Test
    void aSlowTransactionDoesNotHoldUpTheRecoveryOfOthers() {
        busi.script("Slow", Reply.ERROR, Reply.slow(Duration.ofSeconds(10)));
        busi.script("Fast", Reply.ERROR);
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga("slowSaga")
                        .step(busi.url("Slow"), "", "{}")
                        .set("request_timeout", 20)
                        .body());
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga("fastSaga").step(busi.url("Fast"), "", "{}").body());
        // the rounds write their backoff after the calls; a claim would also skip a gid still in flight
        Awaitility.await("first rounds over")
                .until(() -> busi.calls("slowSaga").size() == 1
                        && busi.calls("fastSaga").size() == 1
                        && dtm.server().engine().activeRounds() == 0);

        dtm.clock.advanceSeconds(60); // both are due now
        dtm.server().scheduler().start();

        Awaitility.await("fast saga recovered while the slow one is still in its call")
                .atMost(Duration.ofSeconds(8))
                .until(() -> dtm.status("fastSaga").equals("succeed"));
        assertThat(dtm.status("slowSaga")).isEqualTo("submitted");
        assertThat(busi.calls("slowSaga")).hasSize(2);
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .until(() -> dtm.status("slowSaga").equals("succeed"));
    }
}
