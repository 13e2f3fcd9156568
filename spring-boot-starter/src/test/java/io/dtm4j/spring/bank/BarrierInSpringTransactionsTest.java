package io.dtm4j.spring.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.spring.DtmBarrier;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The starter in a real Spring Boot service against a real dtm4j server and a real database: saga
 * branches written as @Transactional controller methods with the barrier, checked by the balances
 * and by the answers dtm gets. Subclasses choose the database (PostgreSQL, MariaDB).
 */
abstract class BarrierInSpringTransactionsTest {
    static final long START = 1_000;
    /** The dtm4j server of the subclass's context. */
    TestServer server;

    @LocalServerPort
    int port;

    @Autowired
    DtmClient dtm;

    @Autowired
    DtmBarrier barrier;

    @Autowired
    Accounts accounts;

    @Autowired
    BankController controller;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    MeterRegistry meters;

    private final HttpClient http = HttpClient.newHttpClient();

    /** Properties of the test context: the dtm4j server {@code server} and the business database {@code config}. */
    static Map<String, String> properties(TestServer server, StoreConfig config) {
        return Map.of(
                "spring.datasource.url", BankTestSupport.url(config),
                "dtm4j.server", server.dtm(),
                "dtm4j.barrier.create-table", "true",
                "dtm4j.branch-headers.x-tenant", "blue",
                "management.endpoint.health.show-details", "always");
    }

    static void drop(StoreConfig config) {
        if (config != null) {
            JdbcTestDatabases.drop(config);
        }
    }

    /** The subclass's server. */
    abstract TestServer testServer();

    @BeforeEach
    void resetAccounts() {
        server = testServer();
        accounts.reset(START);
    }

    String busi() {
        return "http://127.0.0.1:" + port + "/bank";
    }

    record Answer(int status, String body) {}

    /** Calls a branch handler the way the server does. */
    Answer callBranch(String path, String gid, String branchId, String op, String body) throws Exception {
        String query = "?dtm=" + server.dtm() + "&gid=" + gid + "&trans_type=saga&branch_id=" + branchId + "&op=" + op;
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(busi() + path + query))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    Answer get(String url) throws Exception {
        HttpResponse<String> r =
                http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    private static final String THIRTY = "{\"amount\":30,\"failIn\":false}";

    @Test
    void aSagaThroughTheServerMovesTheMoneyOnce() {
        String gid = dtm.newGid();
        dtm.saga(gid)
                .add(busi() + "/TransOut", busi() + "/TransOutCompensate", THIRTY)
                .add(busi() + "/TransIn", busi() + "/TransInCompensate", THIRTY)
                .waitResult(true)
                .submit();

        await().atMost(Duration.ofSeconds(20)).until(() -> server.status(gid).equals("succeed"));
        assertThat(accounts.balance(1)).isEqualTo(START - 30);
        assertThat(accounts.balance(2)).isEqualTo(START + 30);
        assertThat(controller.tenants())
                .as("dtm4j.branch-headers reach the branches")
                .contains("blue");
        assertThat(meters.get("dtm4j.client.requests")
                        .tags("target", "server", "operation", "submit", "outcome", "success")
                        .timer()
                        .count())
                .isPositive();
    }

    @Test
    void aSagaWhoseTransInFailsIsCompensatedAndTheFailureIsAnswered409() {
        String gid = dtm.newGid();
        String failing = "{\"amount\":30,\"failIn\":true}";
        try {
            dtm.saga(gid)
                    .add(busi() + "/TransOut", busi() + "/TransOutCompensate", failing)
                    .add(busi() + "/TransIn", busi() + "/TransInCompensate", failing)
                    .waitResult(true)
                    .submit();
        } catch (DtmFailureException expected) {
            // the saga rolled back, as it must
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> server.status(gid).equals("failed"));
        assertThat(accounts.balance(1)).isEqualTo(START);
        assertThat(accounts.balance(2))
                .as("TransInCompensate was a null compensation")
                .isEqualTo(START);
        assertThat(meters.get("dtm4j.branch.requests")
                        .tags("trans_type", "saga", "op", "action", "outcome", "failure")
                        .timer()
                        .count())
                .isPositive();
    }

    @Test
    void theSameBranchCalledTwiceAppliesOnce() throws Exception {
        String gid = "twice-" + System.nanoTime();
        double skippedBefore = skipped("action");

        assertThat(callBranch("/TransOut", gid, "01", "action", THIRTY).status())
                .isEqualTo(200);
        assertThat(callBranch("/TransOut", gid, "01", "action", THIRTY).status())
                .isEqualTo(200);

        assertThat(accounts.balance(1)).isEqualTo(START - 30);
        assertThat(skipped("action") - skippedBefore).isEqualTo(1);
    }

    @Test
    void aCompensationWithoutItsActionDoesNothingAndTheLateActionIsSkipped() throws Exception {
        String gid = "null-" + System.nanoTime();

        assertThat(callBranch("/TransOutCompensate", gid, "01", "compensate", THIRTY)
                        .status())
                .isEqualTo(200);
        assertThat(callBranch("/TransOut", gid, "01", "action", THIRTY).status())
                .isEqualTo(200);

        assertThat(accounts.balance(1)).isEqualTo(START);
    }

    @Test
    void aFailureIsAnswered409WithFailureInTheBodyAndRollsBack() throws Exception {
        String gid = "failure-" + System.nanoTime();
        Answer answer = callBranch("/TransOut", gid, "01", "action", "{\"amount\":5000,\"failIn\":false}");

        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.body()).contains("FAILURE").contains("account 1 cannot give 5000");
        assertThat(barrierRows(gid))
                .as("the barrier row rolled back with the business")
                .isZero();
    }

    @Test
    void ongoingIsAnswered425() throws Exception {
        Answer answer = callBranch("/Busy", "busy-" + System.nanoTime(), "01", "action", "{}");

        assertThat(answer.status()).isEqualTo(425);
        assertThat(answer.body()).contains("ONGOING");
    }

    @Test
    void anyOtherErrorIsAnswered500AndRollsTheBusinessAndTheBarrierRowBack() throws Exception {
        String gid = "broken-" + System.nanoTime();
        Answer answer = callBranch("/TransOutBroken", gid, "01", "action", THIRTY);

        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.body()).contains("disk on fire").doesNotContain("FAILURE");
        assertThat(accounts.balance(1)).isEqualTo(START);
        assertThat(barrierRows(gid)).isZero();
        // the row rolled back, so the server's next call does the work
        assertThat(callBranch("/TransOut", gid, "01", "action", THIRTY).status())
                .isEqualTo(200);
        assertThat(accounts.balance(1)).isEqualTo(START - 30);
    }

    @Test
    void aCallWithoutBranchIdentityIsAnswered400() throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(busi() + "/TransOut?gid=x"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(THIRTY))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("trans_type");
        assertThat(accounts.balance(1)).isEqualTo(START);
    }

    @Test
    void handlersThatAreNotBranchHandlersKeepSpringsErrorHandling() throws Exception {
        Answer answer = callBranch("/plain", "plain-" + System.nanoTime(), "01", "action", "{}");

        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.body()).doesNotContain("dtm_result");
    }

    @Test
    void aMessageCommitsItsLocalTransactionWithTheBarrierThenTheServerCallsTransIn() {
        String gid = dtm.newGid();
        barrier.doAndSubmit(
                dtm.msg(gid).add(busi() + "/TransIn", THIRTY).waitResult(true),
                busi() + "/QueryPrepared",
                () -> accounts.adjust(1, -30));

        await().atMost(Duration.ofSeconds(20)).until(() -> server.status(gid).equals("succeed"));
        assertThat(accounts.balance(1)).isEqualTo(START - 30);
        assertThat(accounts.balance(2)).isEqualTo(START + 30);
        // the check-back finds the committed local transaction
        assertThat(callBranch0("/QueryPrepared?gid=" + gid + "&trans_type=msg&branch_id=00&op=msg"))
                .isEqualTo(200);
    }

    @Test
    void aMessageWhoseLocalTransactionFailsIsAbortedAndNothingMoves() {
        String gid = dtm.newGid();
        try {
            barrier.doAndSubmit(
                    dtm.msg(gid).add(busi() + "/TransIn", THIRTY),
                    busi() + "/QueryPrepared",
                    () -> accounts.adjust(1, -5000));
        } catch (DtmFailureException expected) {
            // insufficient balance: the message is aborted
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> server.status(gid).equals("failed"));
        assertThat(accounts.balance(1)).isEqualTo(START);
        assertThat(callBranch0("/QueryPrepared?gid=" + gid + "&trans_type=msg&branch_id=00&op=msg"))
                .isEqualTo(409);
    }

    @Test
    void theHealthIndicatorReportsTheServerUp() throws Exception {
        Answer answer = get("http://127.0.0.1:" + port + "/actuator/health/dtm4j");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"status\":\"UP\"").contains(server.dtm());
    }

    int callBranch0(String pathAndQuery) {
        try {
            return get(busi() + pathAndQuery).status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private double skipped(String op) {
        var counter = meters.find("dtm4j.barrier")
                .tags("trans_type", "saga", "op", op, "result", "skipped")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private int barrierRows(String gid) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM dtm_barrier.barrier WHERE gid = ?", Integer.class, gid);
    }
}
