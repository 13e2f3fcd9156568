package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.client.xa.RmService;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Call;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK's TCC against the real server: docs/protocol.md §8.4, §19.3. */
class TccTest {
    private static final Map<String, Integer> TRANSFER = Map.of("amount", 30);

    private static TestServer server;
    private static BusinessStub busi;
    private static RmService rm;
    private static DtmClient dtm;

    @BeforeAll
    static void start() {
        server = new TestServer();
        busi = new BusinessStub();
        rm = new RmService();
        dtm = DtmClient.of(server.dtm());
        // a try that opens a nested TCC under its own branch, as a real RM would
        rm.route(
                "TransInNested",
                (query, body) -> Tcc.fromQuery(query)
                        .callBranch(body, busi.url("TransIn"), busi.url("TransInConfirm"), busi.url("TransInRevert")));
    }

    @AfterAll
    static void stop() {
        rm.close();
        busi.close();
        server.close();
    }

    private static String callTransOut(Tcc tcc) {
        return tcc.callBranch(TRANSFER, busi.url("TransOut"), busi.url("TransOutConfirm"), busi.url("TransOutRevert"));
    }

    private static String callTransIn(Tcc tcc) {
        return tcc.callBranch(TRANSFER, busi.url("TransIn"), busi.url("TransInConfirm"), busi.url("TransInRevert"));
    }

    private static List<String> branchIds(String gid) {
        return server.query(gid).path("branches").findValuesAsText("branch_id");
    }

    private static void awaitStatus(String gid, String status) {
        await(gid + " " + status)
                .atMost(Duration.ofSeconds(20))
                .until(() -> dtm.status(gid).equals(status));
    }

    @Test
    void triedBranchesAreConfirmedInReverseOrderAfterSubmit() {
        String gid = "client-tcc-normal-" + System.nanoTime();

        dtm.tccGlobalTransaction(gid, tcc -> {
            assertThat(callTransOut(tcc)).contains("SUCCESS");
            callTransIn(tcc);
        });

        awaitStatus(gid, "succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(branchIds(gid)).containsExactly("01", "01", "02", "02");
        assertThat(busi.trail(gid))
                .containsExactly("TransOut try", "TransIn try", "TransInConfirm confirm", "TransOutConfirm confirm");
        Call firstTry = busi.calls(gid).get(0);
        assertThat(firstTry.method()).isEqualTo("POST");
        assertThat(firstTry.query())
                .containsEntry("dtm", server.dtm())
                .containsEntry("gid", gid)
                .containsEntry("branch_id", "01")
                .containsEntry("trans_type", "tcc")
                .containsEntry("op", "try");
        assertThat(busi.calls(gid).get(1).query()).containsEntry("branch_id", "02");
        assertThat(server.parse(firstTry.body())).isEqualTo(server.parse("{\"amount\":30}"));
        assertThat(server.parse(busi.calls(gid).get(3).body())).isEqualTo(server.parse("{\"amount\":30}"));
    }

    @Test
    void aFailingTryAbortsWithItsErrorAsReasonAndTheBranchesAreCancelled() {
        String gid = "client-tcc-rollback-" + System.nanoTime();
        busi.scriptFor(gid, "TransIn", Reply.failure("Insufficient balance"));
        busi.scriptFor(gid, "TransOutRevert", Reply.ONGOING);

        assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, tcc -> {
                    callTransOut(tcc);
                    callTransIn(tcc);
                }))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("Insufficient balance");

        await().atMost(Duration.ofSeconds(20)).until(() -> busi.trail(gid).contains("TransOutRevert cancel"));
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        server.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(server.rollbackReason(gid)).contains("FAILURE").contains("Insufficient balance");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut try",
                        "TransIn try",
                        "TransInRevert cancel",
                        "TransOutRevert cancel",
                        "TransOutRevert cancel");
    }

    @Test
    void aCheckedExceptionOfTheBodyAbortsAndIsRethrownWrapped() {
        String gid = "client-tcc-checked-" + System.nanoTime();

        assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, tcc -> {
                    callTransOut(tcc);
                    throw new IOException("disk full");
                }))
                .isExactlyInstanceOf(DtmException.class)
                .hasCauseInstanceOf(IOException.class)
                .hasMessageContaining("disk full");

        awaitStatus(gid, "failed");
        assertThat(server.rollbackReason(gid)).isEqualTo("disk full");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransOutRevert cancel");
    }

    @Test
    void aTimeoutWhileTheBodyRunsCancelsTheBranchesAndRefusesTheNextOne() {
        String gid = "client-tcc-timeout-" + System.nanoTime();

        assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, tcc -> {
                    callTransOut(tcc);
                    server.clock.advance(Duration.ofSeconds(300));
                    server.cron();
                    callTransIn(tcc);
                }))
                .isInstanceOf(DtmFailureException.class);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(server.rollbackReason(gid)).matches("Timeout after \\d+ seconds");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransOutRevert cancel");
    }

    @Test
    void branchHeadersReachTheTryAndTheConfirm() {
        String gid = "client-tcc-headers-" + System.nanoTime();

        dtm.tccGlobalTransaction(
                gid, tcc -> tcc.waitResult(true).branchHeader("test_header", "yes"), TccTest::callTransOut);

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut try", "TransOutConfirm confirm");
        assertThat(busi.calls(gid))
                .allSatisfy(call -> assertThat(call.header("test_header")).isEqualTo("yes"));
    }

    @Test
    void aTryCanNestBranchesUnderItsOwnBranchId() {
        String gid = "client-tcc-nested-" + System.nanoTime();

        dtm.tccGlobalTransaction(gid, tcc -> {
            callTransOut(tcc);
            tcc.callBranch(TRANSFER, rm.url("TransInNested"), busi.url("TransInConfirm"), busi.url("TransInRevert"));
        });

        awaitStatus(gid, "succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S", "P", "S");
        assertThat(branchIds(gid)).containsExactly("01", "01", "02", "02", "0201", "0201");
        assertThat(rm.trail(gid)).containsExactly("TransInNested try");
        assertThat(busi.calls(gid))
                .filteredOn(call -> call.endpoint().equals("TransIn"))
                .singleElement()
                .satisfies(call -> assertThat(call.query()).containsEntry("branch_id", "0201"));
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut try",
                        "TransIn try",
                        "TransInConfirm confirm",
                        "TransInConfirm confirm",
                        "TransOutConfirm confirm");
    }

    @Test
    void aNestedTccNeedsTheGidAndTheServer() {
        assertThatThrownBy(() -> Tcc.fromQuery(dtm, Map.of("branch_id", "01")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'gid'");
        assertThatThrownBy(() -> Tcc.fromQuery(Map.of("gid", "g", "branch_id", "01")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'dtm'");
        assertThat(Tcc.fromQuery(dtm, Map.of("gid", "g", "branch_id", List.of("02")))
                        .parentBranchId())
                .isEqualTo("02");
    }
}
