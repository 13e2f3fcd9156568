package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The saga scenarios of dtm's test-suite (§19.1), over real HTTP. */
class SagaScenarioTest {
    static final String PAYLOAD = "{\"amount\":30}";
    static final TestServer dtm = new TestServer();
    static final BusinessStub busi = new BusinessStub();

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    Trans transfer(String gid) {
        return Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), PAYLOAD)
                .step(busi.url("TransIn"), busi.url("TransInRevert"), PAYLOAD);
    }

    @Test
    void sagaRunsBothActionsInOrderAndSucceeds() {
        String gid = "sagaNormal";
        var r = dtm.post(
                "/api/dtmsvr/submit", transfer(gid).set("wait_result", true).body());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"dtm_result\":\"SUCCESS\"}");
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        var call = busi.calls(gid).get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.body()).isEqualTo(PAYLOAD);
        assertThat(call.query())
                .containsEntry("gid", gid)
                .containsEntry("trans_type", "saga")
                .containsEntry("branch_id", "01")
                .containsEntry("op", "action");
    }

    @Test
    void sagaCompensatesInReverseOrderWhenSecondActionFails() {
        String gid = "sagaRollback";
        busi.script("TransIn", Reply.failure("Insufficient balance"));
        var r = dtm.post(
                "/api/dtmsvr/submit", transfer(gid).set("wait_result", true).body());
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.body()).contains("Insufficient balance").contains("\"dtm_result\":\"FAILURE\"");
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
        assertThat(dtm.query(gid).path("transaction").path("rollback_reason").asText())
                .contains("Insufficient balance");
    }

    @Test
    void ongoingActionIsRetriedByTheScheduler() {
        String gid = "sagaOngoing";
        busi.script("TransOut", Reply.ONGOING);
        dtm.post("/api/dtmsvr/submit", transfer(gid).body());
        org.awaitility.Awaitility.await().until(() -> busi.calls(gid).size() == 1);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.cron()).isGreaterThanOrEqualTo(1);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
    }
}
