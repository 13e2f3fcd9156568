package io.dtm4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Call;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pub.dtm.client.DtmClient;
import pub.dtm.client.exception.FailureException;
import pub.dtm.client.saga.Saga;

/**
 * dtmcli-java's saga API, unchanged, against the real server: docs/protocol.md §8.2 and §19.1
 * (TestSagaNormal, TestSagaRollback, TestSagaOptionsRollbackWait, TestSagaConRollbackOrder2).
 */
class SagaInteropTest {
    private static TestServer server;
    private static BusinessStub busi;
    private static DtmClient dtm;

    @BeforeAll
    static void start() {
        server = new TestServer();
        busi = new BusinessStub();
        dtm = OfficialClient.connect(server);
    }

    @AfterAll
    static void stop() {
        busi.close();
        server.close();
    }

    private Saga transfer(Saga saga) {
        Map<String, Object> body = Map.of("amount", 30);
        return saga.add(busi.url("TransOut"), busi.url("TransOutRevert"), body)
                .add(busi.url("TransIn"), busi.url("TransInRevert"), body);
    }

    @Test
    void sagaThatSucceeds() throws Exception {
        // no gid: the client asks the server's newGid first
        String gid = transfer(dtm.newSaga()).submit();

        assertThat(gid).isNotBlank();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.status(gid).equals("succeed"));
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(server.rollbackReason(gid)).isEmpty();
        assertThat(server.transaction(gid).path("trans_type").asText()).isEqualTo("saga");

        // what the server sends to the branches: docs/protocol.md §6.2
        Call out = busi.calls(gid).get(0);
        assertThat(out.method()).isEqualTo("POST");
        assertThat(out.query())
                .containsEntry("gid", gid)
                .containsEntry("trans_type", "saga")
                .containsEntry("branch_id", "01")
                .containsEntry("op", "action");
        assertThat(server.parse(out.body())).isEqualTo(server.parse("{\"amount\":30}"));
        assertThat(busi.calls(gid).get(1).query()).containsEntry("branch_id", "02");
    }

    @Test
    void sagaThatRollsBackWithoutWaitingForTheResult() throws Exception {
        String gid = "interop-saga-rollback-" + System.nanoTime();
        busi.scriptFor(gid, "TransIn", Reply.failure("Insufficient balance"));

        assertThat(transfer(dtm.newSaga(gid)).submit()).isEqualTo(gid);

        await().atMost(Duration.ofSeconds(10)).until(() -> server.status(gid).equals("failed"));
        // the failed step is compensated too (docs/protocol.md §8.2 step 7, §20.22), last step
        // first
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(server.rollbackReason(gid)).contains("Insufficient balance");
        List<Call> reverts = busi.calls(gid).subList(2, 4);
        assertThat(reverts).extracting(c -> c.query().get("branch_id")).containsExactly("02", "01");
    }

    @Test
    void sagaThatRollsBackWithWaitResultThrowsFromSubmit() {
        String gid = "interop-saga-rollback-wait-" + System.nanoTime();
        busi.scriptFor(gid, "TransIn", Reply.failure("Insufficient balance"));
        Saga saga = transfer(dtm.newSaga(gid)).enableWaitResult();

        // the server answers 409 {"dtm_result":"FAILURE",…}; Feign turns it into an exception
        assertThatThrownBy(saga::submit).isInstanceOf(FailureException.class);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(server.rollbackReason(gid)).contains("Insufficient balance");
    }

    @Test
    void sagaThatSucceedsWithWaitResult() throws Exception {
        String gid = "interop-saga-wait-" + System.nanoTime();

        transfer(dtm.newSaga(gid)).enableWaitResult().submit();

        // wait_result: the answer comes after the round, so no waiting here
        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }

    @Test
    void concurrentSagaWithBranchOrder() throws Exception {
        String gid = "interop-saga-concurrent-" + System.nanoTime();
        busi.scriptFor(gid, "TransIn", Reply.FAILURE);
        // step 1 (TransIn) only after step 0 (TransOut): custom_data {"orders":{"1":[0]},"concurrent":true}
        Saga saga = transfer(dtm.newSaga(gid))
                .enableConcurrent()
                .addBranchOrder(1, List.of(0))
                .enableWaitResult();

        assertThatThrownBy(saga::submit).isInstanceOf(FailureException.class);

        // TestSagaConRollbackOrder2: [S,S,S,F], compensation of 0 waits for that of 1
        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
        assertThat(server.parse(server.transaction(gid).path("custom_data").asText()))
                .isEqualTo(server.parse("{\"orders\":{\"1\":[0]},\"concurrent\":true}"));
    }
}
