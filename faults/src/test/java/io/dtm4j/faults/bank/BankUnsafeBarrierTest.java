package io.dtm4j.faults.bank;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code --unsafe-barrier}: a repeated call is applied twice, which the checker must catch. */
class BankUnsafeBarrierTest {
    private static BankFixture bank;

    @BeforeAll
    static void start() throws Exception {
        bank = BankFixture.start("--unsafe-barrier");
    }

    @AfterAll
    static void stop() throws Exception {
        if (bank != null) {
            bank.close();
        }
    }

    @Test
    void theSameCallTwiceWritesTwoLedgerRows() throws Exception {
        String gid = BankFixture.gid();
        long before = bank.account(1).balance();
        assertThat(bank.call(BankOps.DEBIT, "saga", gid, "01", "action", 1, 100).statusCode())
                .isEqualTo(200);
        assertThat(bank.call(BankOps.DEBIT, "saga", gid, "01", "action", 1, 100).statusCode())
                .isEqualTo(200);
        bank.grpc(BankOps.CREDIT, "saga", gid, "02", "action", 1, 40);
        bank.grpc(BankOps.CREDIT, "saga", gid, "02", "action", 1, 40);
        assertThat(bank.account(1).balance()).isEqualTo(before - 200 + 80);
        assertThat(bank.ledger(gid)).hasSize(4);
    }

    @Test
    void aCompensationWithoutItsActionIsAppliedToo() throws Exception {
        String gid = BankFixture.gid();
        long before = bank.account(2).balance();
        assertThat(bank.call(BankOps.DEBIT_REVERT, "saga", gid, "01", "compensate", 2, 100)
                        .statusCode())
                .isEqualTo(200);
        assertThat(bank.account(2).balance()).isEqualTo(before + 100);
        assertThat(bank.ledger(gid)).hasSize(1);
    }
}
