package io.dtm4j.faults.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.barrier.BranchBarrier;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The bank process over real sockets on MariaDB: the barrier, the ops, chaos, the call log and a kill -9. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BankProcessTest {
    private static BankFixture bank;

    @BeforeAll
    static void start() throws Exception {
        bank = BankFixture.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (bank != null) {
            bank.close();
        }
    }

    @Test
    @Order(1)
    void sagaDebitTwiceIsAppliedOnceAndLogsBothCalls() throws Exception {
        String gid = BankFixture.gid();
        long before = bank.account(1).balance();
        for (int i = 0; i < 2; i++) {
            var answer = bank.call(BankOps.DEBIT, "saga", gid, "01", "action", 1, 300);
            assertThat(answer.statusCode()).isEqualTo(200);
        }
        assertThat(bank.account(1).balance()).isEqualTo(before - 300);
        assertThat(bank.ledger(gid)).singleElement().satisfies(row -> {
            assertThat(row.branchId()).isEqualTo("01");
            assertThat(row.op()).isEqualTo("action");
            assertThat(row.account()).isEqualTo(1);
            assertThat(row.balanceDelta()).isEqualTo(-300);
            assertThat(row.tradingDelta()).isZero();
        });
        assertThat(bank.callLog(gid)).hasSize(2).allMatch(l -> l.matches("\\d+ " + gid + " 01 action Debit"));
    }

    @Test
    @Order(2)
    void insufficientDebitIsFailureAndChangesNothing() throws Exception {
        String gid = BankFixture.gid();
        var before = bank.account(2);
        var answer = bank.call(BankOps.DEBIT, "saga", gid, "01", "action", 2, before.balance() + 1);
        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(answer.body()).contains("FAILURE");
        assertThat(bank.account(2)).isEqualTo(before);
        assertThat(bank.ledger(gid)).isEmpty();
        // the barrier row went with the rollback: the compensation is a null compensation
        assertThat(bank.call(BankOps.DEBIT_REVERT, "saga", gid, "01", "compensate", 2, before.balance() + 1)
                        .statusCode())
                .isEqualTo(200);
        assertThat(bank.account(2)).isEqualTo(before);
    }

    @Test
    @Order(3)
    void compensationBeforeActionDoesNothingAndTheLateActionNeither() throws Exception {
        String gid = BankFixture.gid();
        var before = bank.account(3);
        assertThat(bank.call(BankOps.CREDIT_REVERT, "saga", gid, "02", "compensate", 3, 500)
                        .statusCode())
                .isEqualTo(200);
        assertThat(bank.call(BankOps.CREDIT, "saga", gid, "02", "action", 3, 500)
                        .statusCode())
                .isEqualTo(200);
        assertThat(bank.account(3)).isEqualTo(before);
        assertThat(bank.ledger(gid)).isEmpty();
    }

    @Test
    @Order(4)
    void sagaCompensationAndWorkflowRollbackUndoTheAction() throws Exception {
        String saga = BankFixture.gid();
        String workflow = BankFixture.gid();
        var before = bank.account(4);
        bank.call(BankOps.CREDIT, "saga", saga, "02", "action", 4, 70);
        bank.call(BankOps.CREDIT_REVERT, "saga", saga, "02", "compensate", 4, 70);
        bank.call(BankOps.DEBIT, "workflow", workflow, "01", "action", 4, 30);
        bank.call(BankOps.DEBIT_REVERT, "workflow", workflow, "01", "rollback", 4, 30);
        bank.call(BankOps.DEBIT_REVERT, "workflow", workflow, "01", "rollback", 4, 30);
        assertThat(bank.account(4)).isEqualTo(before);
        assertThat(bank.ledger(saga))
                .extracting(BankDatabase.LedgerRow::balanceDelta)
                .containsExactly(70L, -70L);
        assertThat(bank.ledger(workflow)).extracting(BankDatabase.LedgerRow::op).containsExactly("action", "rollback");
    }

    @Test
    @Order(5)
    void tccOverGrpcFreezesThenConfirmsOrCancels() throws Exception {
        String gid = BankFixture.gid();
        var from = bank.account(1);
        var to = bank.account(2);
        bank.grpc(BankOps.DEBIT_TRY, "tcc", gid, "01", "try", 1, 200);
        bank.grpc(BankOps.DEBIT_TRY, "tcc", gid, "01", "try", 1, 200);
        bank.grpc(BankOps.CREDIT_TRY, "tcc", gid, "02", "try", 2, 200);
        assertThat(bank.account(1).trading()).isEqualTo(from.trading() - 200);
        assertThat(bank.account(2).trading()).isEqualTo(to.trading() + 200);
        bank.grpc(BankOps.DEBIT_CONFIRM, "tcc", gid, "01", "confirm", 1, 200);
        bank.grpc(BankOps.CREDIT_CANCEL, "tcc", gid, "02", "cancel", 2, 200);
        bank.grpc(BankOps.CREDIT_CANCEL, "tcc", gid, "02", "cancel", 2, 200);
        assertThat(bank.account(1)).isEqualTo(new BankDatabase.Account(1, from.balance() - 200, from.trading()));
        assertThat(bank.account(2)).isEqualTo(to);
        assertThat(bank.ledger(gid)).hasSize(4);
        // a try that the balance cannot cover is FAILURE (ABORTED) and leaves nothing
        String poor = BankFixture.gid();
        assertThatThrownBy(() -> bank.grpc(BankOps.DEBIT_TRY, "tcc", poor, "01", "try", 1, 1_000_000))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
        assertThat(bank.ledger(poor)).isEmpty();
    }

    @Test
    @Order(6)
    void queryPreparedAnswersWhetherTheMsgLocalTransactionCommitted() throws Exception {
        String committed = BankFixture.gid();
        BranchBarrier.of(new BranchIdentity("msg", committed, "00", "msg"))
                .callWithDb(bank.db, tx -> BankDatabase.move(tx, committed, "00", "msg", 1, -10, 0, true));
        assertThat(bank.post(BankOps.QUERY_PREPARED, "gid=" + committed + "&trans_type=msg&branch_id=00&op=msg", "")
                        .statusCode())
                .isEqualTo(200);
        String never = BankFixture.gid();
        var answer = bank.post(BankOps.QUERY_PREPARED, "gid=" + never + "&trans_type=msg&branch_id=00&op=msg", "");
        assertThat(answer.statusCode()).isEqualTo(409);
        assertThat(answer.body()).contains("FAILURE");
        bank.grpc(BankOps.QUERY_PREPARED, "msg", committed, "00", "msg", new byte[0], 10_000);
        assertThatThrownBy(() -> bank.grpc(BankOps.QUERY_PREPARED, "msg", never, "00", "msg", new byte[0], 10_000))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
        assertThat(bank.callLog(never)).hasSize(2).allMatch(l -> l.matches("\\d+ " + never + " 00 msg QueryPrepared"));
    }

    @Test
    @Order(7)
    void parallelCallsAndParallelRepeatsOfOneCall() throws Exception {
        String repeated = BankFixture.gid();
        String prefix = BankFixture.gid();
        long before = bank.account(3).balance();
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var answers = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int i = 0; i < 20; i++) {
                String own = prefix + "-" + i;
                answers.add(executor.submit(() -> bank.call(BankOps.DEBIT, "saga", own, "01", "action", 3, 1)
                        .statusCode()));
                answers.add(executor.submit(() -> bank.call(BankOps.DEBIT, "saga", repeated, "01", "action", 3, 1)
                        .statusCode()));
            }
            for (var answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        }
        assertThat(bank.ledger(repeated)).hasSize(1);
        assertThat(bank.account(3).balance()).isEqualTo(before - 21);
    }

    @Test
    @Order(8)
    void chaosErrorCommitsTheWorkAndAnswers500OrInternal() throws Exception {
        assertThat(bank.admin("/admin/chaos?kind=error&rate=1&seconds=30", true).statusCode())
                .isEqualTo(200);
        try {
            String gid = BankFixture.gid();
            var answer = bank.call(BankOps.CREDIT, "saga", gid, "01", "action", 1, 5);
            assertThat(answer.statusCode()).isEqualTo(500);
            assertThat(answer.body()).doesNotContain("FAILURE").doesNotContain("ONGOING");
            assertThat(bank.ledger(gid)).hasSize(1);
            assertThatThrownBy(() -> bank.grpc(BankOps.CREDIT, "saga", gid, "02", "action", 1, 5))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
            assertThat(bank.ledger(gid)).hasSize(2);
            assertThat(bank.callLog(gid))
                    .hasSize(4)
                    .anyMatch(l -> l.endsWith(" 01 action Credit inject=error"))
                    .anyMatch(l -> l.endsWith(" 02 action Credit inject=error"));
        } finally {
            bank.admin("/admin/chaos?kind=off", true);
        }
        assertThat(bank.call(BankOps.CREDIT, "saga", BankFixture.gid(), "01", "action", 1, 5)
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    @Order(9)
    void chaosDropCommitsTheWorkAndGivesNoAnswer() throws Exception {
        bank.admin("/admin/chaos?kind=drop&rate=1&seconds=30", true);
        String gid = BankFixture.gid();
        try {
            assertThatThrownBy(() -> bank.call(BankOps.DEBIT, "saga", gid, "01", "action", 2, 7))
                    .isInstanceOf(IOException.class);
            assertThat(bank.ledger(gid)).hasSize(1);
            assertThatThrownBy(() -> bank.grpc(
                            BankOps.DEBIT,
                            "saga",
                            gid,
                            "03",
                            "action",
                            new BranchPayload(2, 7).json().getBytes(StandardCharsets.UTF_8),
                            1_000))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
            assertThat(bank.ledger(gid)).hasSize(2);
        } finally {
            bank.admin("/admin/chaos?kind=off", true);
        }
        assertThat(bank.callLog(gid))
                .filteredOn(l -> l.endsWith(" inject=drop"))
                .hasSize(2);
    }

    @Test
    @Order(10)
    void chaosSlowDelaysTheAnswer() throws Exception {
        bank.admin("/admin/chaos?kind=slow&rate=1&seconds=30&slow_ms=500", true);
        try {
            long start = System.nanoTime();
            var answer = bank.call(BankOps.CREDIT, "saga", BankFixture.gid(), "01", "action", 3, 1);
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(500);
        } finally {
            bank.admin("/admin/chaos?kind=off", true);
        }
        assertThat(bank.admin("/admin/chaos?kind=boom", true).statusCode()).isEqualTo(400);
    }

    @Test
    @Order(11)
    void restartsOnTheSamePortsAfterKill9AndKeepsTheCallLog() throws Exception {
        String gid = BankFixture.gid();
        bank.call(BankOps.CREDIT, "saga", gid, "01", "action", 4, 11);
        bank.grpc(BankOps.CREDIT, "saga", gid, "02", "action", 4, 11);
        long lines = java.nio.file.Files.readAllLines(bank.calls).size();
        bank.kill();
        bank.launch();
        assertThat(bank.admin("/admin/ping", false).statusCode()).isEqualTo(200);
        assertThat(bank.call(BankOps.CREDIT, "saga", gid, "01", "action", 4, 11).statusCode())
                .isEqualTo(200);
        bank.grpc(BankOps.CREDIT, "saga", gid, "02", "action", 4, 11);
        assertThat(bank.ledger(gid)).hasSize(2);
        assertThat(java.nio.file.Files.readAllLines(bank.calls)).hasSize((int) lines + 2);
    }
}
