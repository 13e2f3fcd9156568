package io.dtm4j.client;

import static io.dtm4j.client.GrpcAccounts.add;
import static io.dtm4j.client.GrpcAccounts.amount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int64Value;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.server.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Saga and two-phase message through {@link DtmClient#grpc} against the real server's gRPC API,
 * with a gRPC business service whose handlers use the SDK's RM helpers (metadata identity, SQLite
 * barrier, status mapping): docs/protocol.md §5.1, §8.2, §8.3, §12, §13.
 */
class SdkGrpcSagaMsgTest {
    private static TestServer server;
    private static GrpcBusi busi;
    private static DtmClient dtm;
    private static GrpcAccounts accounts;
    private static final Map<String, Integer> checkBacks = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer();
        busi = new GrpcBusi();
        dtm = DtmClient.grpc("127.0.0.1:" + server.server().grpcPort());
        accounts = new GrpcAccounts();
        busi.on("SagaIn", request -> {
            if (GrpcBranch.identity().gid().contains("rollback")) {
                throw new DtmFailureException("Insufficient balance");
            }
            return new byte[0];
        });
        busi.on("MsgIn", request -> {
            BranchIdentity branch = GrpcBranch.identity();
            long credit = Int64Value.parseFrom(request).getValue();
            BranchBarrier.of(branch).callWithDb(accounts.db, tx -> add(tx, "in-" + branch.gid(), credit));
            return new byte[0];
        });
        busi.on("QueryPrepared", request -> {
            String gid = GrpcBranch.identity().gid();
            checkBacks.merge(gid, 1, Integer::sum);
            BranchBarrier.queryPrepared(accounts.db, gid);
            return new byte[0];
        });
    }

    @AfterAll
    static void stop() throws Exception {
        dtm.close();
        busi.close();
        server.close();
        accounts.close();
    }

    private static Saga transfer(String gid) {
        return dtm.saga(gid)
                .add(busi.url("SagaOut"), busi.url("SagaOutRevert"), amount(30))
                .add(busi.url("SagaIn"), busi.url("SagaInRevert"), amount(30));
    }

    private static BranchIdentity msgBranch(String gid) {
        return new BranchIdentity("msg", gid, "00", "msg");
    }

    @Test
    void sagaOverGrpcCallsItsStepsWithTheMessageBytesAndTheMetadata() {
        String gid = dtm.newGid();

        transfer(gid).branchHeader("test_header", "yes").waitResult(true).submit();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.transaction(gid).path("protocol").asText()).isEqualTo("grpc");
        assertThat(busi.trail(gid)).containsExactly("SagaOut action", "SagaIn action");
        GrpcBusi.Call first = busi.calls(gid).get(0);
        assertThat(first.payload()).isEqualTo(amount(30).toByteArray());
        assertThat(first.metadata())
                .containsEntry("dtm-gid", gid)
                .containsEntry("dtm-trans_type", "saga")
                .containsEntry("dtm-branch_id", "01")
                .containsEntry("dtm-op", "action")
                .containsEntry("test_header", "yes");
    }

    @Test
    void sagaOverGrpcWhoseActionFailsCompensatesAndReportsFailure() {
        String gid = "sdk-grpc-saga-rollback-" + System.nanoTime();

        assertThatThrownBy(() -> transfer(gid).waitResult(true).submit())
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("dtm submit");

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "SagaOut action", "SagaIn action", "SagaInRevert compensate", "SagaOutRevert compensate");
        assertThat(server.rollbackReason(gid)).contains("Insufficient balance");
    }

    @Test
    void preparedThenSubmittedMessageOverGrpcCreditsBehindTheBarrier() throws Exception {
        String gid = dtm.newGid();
        accounts.open(gid);
        Msg msg = dtm.msg(gid).add(busi.url("MsgIn"), amount(30));

        msg.prepare(busi.url("QueryPrepared"));
        assertThat(server.status(gid)).isEqualTo("prepared");
        assertThat(server.transaction(gid).path("query_prepared").asText()).isEqualTo(busi.url("QueryPrepared"));
        msg.waitResult(true).submit();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(accounts.balances(gid)).containsExactly(100L, 30L);
    }

    @Test
    void doAndSubmitOverGrpcCommitsTheLocalTransactionAndTheMessage() throws Exception {
        String gid = dtm.newGid();
        accounts.open(gid);

        dtm.msg(gid)
                .add(busi.url("MsgIn"), amount(30))
                .waitResult(true)
                .doAndSubmitDb(busi.url("QueryPrepared"), accounts.db, tx -> add(tx, "out-" + gid, -30));

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(accounts.balances(gid)).containsExactly(70L, 30L);
        assertThat(checkBacks.get(gid)).isNull();
    }

    @Test
    void doAndSubmitWhoseBusinessErrsAsksTheGrpcCheckBackWhichRollsBack() throws Exception {
        String gid = "sdk-grpc-msg-busi-error-" + System.nanoTime();
        accounts.open(gid);
        IllegalStateException bug = new IllegalStateException("bug after the update");

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(busi.url("MsgIn"), amount(30))
                        .doAndSubmitDb(busi.url("QueryPrepared"), accounts.db, tx -> {
                            add(tx, "out-" + gid, -30);
                            throw bug;
                        }))
                .isSameAs(bug);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(accounts.balances(gid)).containsExactly(100L, 0L);
        assertThat(checkBacks.get(gid)).isEqualTo(1);
        assertThat(busi.calls(gid).get(0).metadata())
                .containsEntry("dtm-trans_type", "msg")
                .containsEntry("dtm-branch_id", "00")
                .containsEntry("dtm-op", "msg")
                .containsEntry("dtm-dtm", dtm.serverUrl());
    }

    @Test
    void doAndSubmitOverGrpcAfterTheCheckBackIsDuplicatedAndChangesNothing() throws Exception {
        String gid = "sdk-grpc-msg-busi-later-" + System.nanoTime();
        accounts.open(gid);
        // the server's check-back got there first and decided "rolled back"
        assertThatThrownBy(() -> dtm.checkBack(busi.url("QueryPrepared"), msgBranch(gid)))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageEndingWith(". FAILURE");

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(busi.url("MsgIn"), amount(30))
                        .doAndSubmitDb(busi.url("QueryPrepared"), accounts.db, tx -> add(tx, "out-" + gid, -30)))
                .isInstanceOf(DtmDuplicatedException.class);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(accounts.balances(gid)).containsExactly(100L, 0L);
    }

    @Test
    void timedOutMessageIsCheckedBackByTheServerOverGrpc() throws Exception {
        String gid = "sdk-grpc-msg-server-checkback-" + System.nanoTime();
        accounts.open(gid);
        dtm.msg(gid).add(busi.url("MsgIn"), amount(30)).prepare(busi.url("QueryPrepared"));
        // the application commits its local transaction and dies before submit
        BranchBarrier.of(msgBranch(gid)).callWithDb(accounts.db, tx -> add(tx, "out-" + gid, -30));

        server.clock.advance(Duration.ofSeconds(60));
        server.cron();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(accounts.balances(gid)).containsExactly(70L, 30L);
        assertThat(checkBacks.get(gid)).isEqualTo(1);
    }

    @Test
    void whatGrpcCannotCarryIsRefusedClearly() {
        String gid = "sdk-grpc-refused-" + System.nanoTime();

        assertThatThrownBy(() -> dtm.msg(gid).add(busi.url("MsgIn"), Map.of("amount", 30)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("protobuf message");
        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(busi.url("MsgIn"), amount(1))
                        .enableConcurrent()
                        .submit())
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("concurrent");
        assertThatThrownBy(() -> dtm.status(gid))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("DtmClient.of");
        assertThat(server.transaction(gid).isNull()).isTrue();
    }

    @Test
    void aGrpcServerThatIsDownIsAnErrorNotAFailure() {
        try (DtmClient nowhere = DtmClient.grpc("127.0.0.1:1")) {
            assertThatThrownBy(nowhere::newGid)
                    .isExactlyInstanceOf(DtmException.class)
                    .hasMessageContaining("UNAVAILABLE");
        }
    }
}
