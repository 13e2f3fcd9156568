package io.dtm4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Call;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pub.dtm.client.DtmClient;
import pub.dtm.client.exception.FailureException;
import pub.dtm.client.tcc.Tcc;

/**
 * dtmcli-java's TCC API ({@code DtmClient.tccGlobalTransaction}, {@code Tcc.callBranch}),
 * unchanged, against the real server: docs/protocol.md §3.6, §8.4 and §19.3 (TestTccNormal,
 * TestTccRollback).
 */
class TccInteropTest {
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

    private void transfer(Tcc tcc) throws Exception {
        Map<String, Object> body = Map.of("amount", 30);
        // the try calls are made by the client itself (okhttp), the confirm/cancel calls by the server
        tcc.callBranch(body, busi.url("TransOut"), busi.url("TransOutConfirm"), busi.url("TransOutCancel"));
        tcc.callBranch(body, busi.url("TransIn"), busi.url("TransInConfirm"), busi.url("TransInCancel"));
    }

    @Test
    void tccThatConfirms() throws Exception {
        String gid = dtm.tccGlobalTransaction(this::transfer);

        await().atMost(Duration.ofSeconds(10)).until(() -> server.status(gid).equals("succeed"));
        // tries in call order, confirms from the last branch to the first
        assertThat(busi.trail(gid))
                .containsExactly("TransOut try", "TransIn try", "TransInConfirm confirm", "TransOutConfirm confirm");
        // rows per registerBranch: (id, cancel), (id, confirm)
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(server.query(gid).path("branches"))
                .extracting(
                        b -> b.path("branch_id").asText() + " " + b.path("op").asText())
                .containsExactly("01 cancel", "01 confirm", "02 cancel", "02 confirm");

        Call confirm = busi.callsTo("TransInConfirm").stream()
                .filter(c -> gid.equals(c.query().get("gid")))
                .findFirst()
                .orElseThrow();
        assertThat(confirm.method()).isEqualTo("POST");
        assertThat(confirm.query()).containsEntry("trans_type", "tcc").containsEntry("branch_id", "02");
        // the registered data is the try body, sent again with confirm
        assertThat(server.parse(confirm.body())).isEqualTo(server.parse("{\"amount\":30}"));
    }

    @Test
    void tccThatCancels() {
        String gid = "interop-tcc-cancel-" + System.nanoTime();
        busi.scriptFor(gid, "TransIn", Reply.failure("Insufficient balance"));

        // the failed try makes the client call abort, then rethrow
        assertThatThrownBy(() -> dtm.tccGlobalTransaction(gid, this::transfer)).isInstanceOf(FailureException.class);

        await().atMost(Duration.ofSeconds(10)).until(() -> server.status(gid).equals("failed"));
        // both registered branches are cancelled, the last first, the failed try's branch included
        assertThat(busi.trail(gid))
                .containsExactly("TransOut try", "TransIn try", "TransInCancel cancel", "TransOutCancel cancel");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
    }
}
