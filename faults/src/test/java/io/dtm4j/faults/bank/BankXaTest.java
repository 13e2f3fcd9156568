package io.dtm4j.faults.bank;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * XA branches over HTTP, lightly: a stub stands in for the dtm server's registerBranch, and the test
 * sends phase two itself. The fault suite runs XA against real servers, over gRPC too.
 */
class BankXaTest {
    private static BankFixture bank;
    private static HttpServer dtm;
    private static final List<String> REGISTERED = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        bank = BankFixture.start();
        dtm = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        dtm.createContext("/api/dtmsvr/", exchange -> {
            REGISTERED.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] ok = "{\"dtm_result\":\"SUCCESS\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        dtm.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (dtm != null) {
            dtm.stop(0);
        }
        if (bank != null) {
            bank.close();
        }
    }

    private static String query(String gid, String branchId, String op) {
        return "gid=" + BankFixture.enc(gid) + "&trans_type=xa&branch_id=" + branchId + "&op=" + op + "&dtm="
                + BankFixture.enc("http://127.0.0.1:" + dtm.getAddress().getPort() + "/api/dtmsvr")
                + "&phase2_url=" + BankFixture.enc("http://127.0.0.1:" + bank.httpPort + "/api/busi/xa/Debit");
    }

    @Test
    void phaseOneThenCommitAppliesTheDebitOnceWithItsLedgerRow() throws Exception {
        String gid = "xa-" + BankFixture.gid().substring(5, 20);
        long before = bank.account(1).balance();
        String payload = new BranchPayload(1, 250).json();
        assertThat(bank.post("xa/Debit", query(gid, "01", "action"), payload).statusCode())
                .isEqualTo(200);
        assertThat(REGISTERED).anyMatch(r -> r.contains(gid));
        assertThat(bank.account(1).balance()).isEqualTo(before); // prepared, not yet committed
        assertThat(bank.post("xa/Debit", query(gid, "01", "commit"), "").statusCode())
                .isEqualTo(200);
        assertThat(bank.post("xa/Debit", query(gid, "01", "commit"), "").statusCode())
                .isEqualTo(200);
        assertThat(bank.account(1).balance()).isEqualTo(before - 250);
        assertThat(bank.ledger(gid)).singleElement().satisfies(row -> {
            assertThat(row.op()).isEqualTo("action");
            assertThat(row.balanceDelta()).isEqualTo(-250);
        });
        assertThat(bank.callLog(gid)).hasSize(3).allMatch(l -> l.endsWith(" xa/Debit"));
    }

    @Test
    void rollbackBeforePhaseOneMakesTheLatePhaseOneAFailure() throws Exception {
        String gid = "xa-" + BankFixture.gid().substring(5, 20);
        long before = bank.account(2).balance();
        assertThat(bank.post("xa/Credit", query(gid, "02", "rollback"), "").statusCode())
                .isEqualTo(200);
        var late = bank.post("xa/Credit", query(gid, "02", "action"), new BranchPayload(2, 90).json());
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(bank.account(2).balance()).isEqualTo(before);
        assertThat(bank.ledger(gid)).isEmpty();
    }
}
