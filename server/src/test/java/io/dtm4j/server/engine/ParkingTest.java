package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Parking (docs/observability.md#parking): a transaction whose retry budget is spent is no longer
 * called, keeps its dtm status, is listed, counted and announced, and an operator can replay or
 * stop it. The clock is moved, never waited for.
 */
class ParkingTest {
    static final BusinessStub busi = new BusinessStub();
    /** Parks after 3 consecutive failures; alerts only when parking (the retry alert needs 100). */
    static final TestServer dtm =
            new TestServer(c -> Configs.alerts(c, busi.url("alert"), 100).withParking(new ServerConfig.Parking(3, 0)));

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    Trans saga() {
        return Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{\"amount\":30}");
    }

    /** Submits a saga whose action always fails, and runs rounds until its third failure parks it. */
    void failUntilParked(Trans t) {
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        assertThat(dtm.post("/api/dtmsvr/submit", t.body()).status()).isEqualTo(200);
        await().until(() -> dtm.nextCronInterval(gid) == 20);
        dtm.cron();
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(40);
        assertThat(parked())
                .noneMatch(p -> p.path("transaction").path("gid").asText().equals(gid));
        dtm.cron();
    }

    List<JsonNode> parked() {
        TestServer.Response r = dtm.get("/api/dtm4j/parked?limit=1000");
        assertThat(r.status()).isEqualTo(200);
        List<JsonNode> items = new java.util.ArrayList<>();
        dtm.parse(r.body()).path("parked").forEach(items::add);
        return items;
    }

    JsonNode parkedEntry() {
        return parked().stream()
                .filter(p -> p.path("transaction").path("gid").asText().equals(gid))
                .findFirst()
                .orElseThrow(() -> new AssertionError(gid + " is not listed as parked"));
    }

    TestServer.Response act(String action, Object... gids) {
        return dtm.post("/api/dtm4j/parked/" + action, Map.of("gids", List.of(gids)));
    }

    @Test
    void aTransactionThatKeepsFailingIsParkedAndNoLongerCalled() {
        failUntilParked(saga());

        JsonNode entry = parkedEntry();
        assertThat(entry.path("reason").asText()).isEqualTo("3 consecutive failures (budget 3)");
        assertThat(entry.path("branch").asText()).isEqualTo(busi.url("TransOut"));
        assertThat(entry.path("error").asText()).contains("internal error");
        assertThat(entry.path("retries").asInt()).isEqualTo(3);
        assertThat(entry.path("parked_at").asText()).isNotEmpty();
        // dtm's view is unchanged: still submitted, as dtm nodes and SDKs sharing the store read it
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(entry.path("transaction").path("status").asText()).isEqualTo("submitted");

        int calls = busi.calls(gid).size();
        dtm.clock.advance(Duration.ofDays(30));
        dtm.cron();
        dtm.cron();
        assertThat(busi.calls(gid)).hasSize(calls);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        await().until(() -> busi.callsTo("alert").stream()
                .anyMatch(c -> c.body().contains("\"parked\"") && c.body().contains(gid)));
        JsonNode alert = busi.callsTo("alert").stream()
                .map(c -> dtm.parse(c.body()))
                .filter(a -> a.path("gid").asText().equals(gid))
                .findFirst()
                .orElseThrow();
        assertThat(alert.path("event").asText()).isEqualTo("parked");
        assertThat(alert.path("reason").asText()).isEqualTo("3 consecutive failures (budget 3)");
        assertThat(alert.path("retry_count").asInt()).isEqualTo(3);

        String metrics = dtm.get("/api/metrics").body();
        assertThat(metrics).containsPattern("dtm4j_parked_total\\{model=\"saga\"} [1-9]");
        assertThat(metrics).containsPattern("\\ndtm4j_parked_transactions [1-9]");
    }

    @Test
    void replayResumesAParkedTransactionOnceTheServiceIsFixed() {
        failUntilParked(saga());
        parkedEntry();

        busi.alwaysFor(gid, "TransOut", Reply.SUCCESS);
        TestServer.Response r = act("replay", gid, "noSuchGid");
        assertThat(r.status()).isEqualTo(200);
        assertThat(dtm.parse(r.body()).path("results").path(gid).asText()).isEqualTo("done");
        assertThat(dtm.parse(r.body()).path("results").path("noSuchGid").asText())
                .isEqualTo("not_parked");
        assertThat(parked())
                .noneMatch(p -> p.path("transaction").path("gid").asText().equals(gid));
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(10); // a fresh budget

        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        // a second replay finds nothing to do
        assertThat(dtm.parse(act("replay", gid).body())
                        .path("results")
                        .path(gid)
                        .asText())
                .isEqualTo("not_parked");
    }

    @Test
    void stopEndsAParkedTransactionForGood() {
        failUntilParked(saga());
        parkedEntry();

        TestServer.Response r = act("stop", gid);
        assertThat(dtm.parse(r.body()).path("results").path(gid).asText()).isEqualTo("done");
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(parked())
                .noneMatch(p -> p.path("transaction").path("gid").asText().equals(gid));
    }

    @Test
    void aTransactionsOwnBudgetOverridesTheServers() {
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                saga().set("park_after_retries", 1).body())
                        .status())
                .isEqualTo(200);

        await().until(() -> parked().stream()
                .anyMatch(p -> p.path("transaction").path("gid").asText().equals(gid)));
        assertThat(parkedEntry().path("reason").asText()).isEqualTo("1 consecutive failures (budget 1)");
        int calls = busi.calls(gid).size();
        dtm.clock.advance(Duration.ofDays(1));
        dtm.cron();
        assertThat(busi.calls(gid)).hasSize(calls);
    }

    @Test
    void anAgeBudgetParksOnTheFirstFailureAfterIt() {
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        dtm.post("/api/dtmsvr/submit", saga().set("park_after_seconds", 3600).body());
        await().until(() -> dtm.nextCronInterval(gid) == 20);
        assertThat(parked())
                .noneMatch(p -> p.path("transaction").path("gid").asText().equals(gid));

        dtm.clock.advance(Duration.ofHours(1));
        dtm.cron();
        assertThat(parkedEntry().path("reason").asText()).startsWith("still failing 3600 s after creation");
    }

    @Test
    void aMarkWhoseTransactionIsNotParkedIsDroppedOnceItIsAMinuteOld() {
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                saga().set("wait_result", true).body())
                        .status())
                .isEqualTo(200); // succeeds: not parked
        var store = dtm.server().store();
        store.createKv(Parking.CATEGORY, gid, "{\"reason\":\"left by a crash\"}", dtm.clock.instant());

        assertThat(parked())
                .noneMatch(p -> p.path("transaction").path("gid").asText().equals(gid));
        assertThat(store.findKv(Parking.CATEGORY, gid)).hasSize(1); // young: may be a round parking it now

        dtm.clock.advance(Duration.ofMinutes(2));
        assertThat(parked())
                .noneMatch(p -> p.path("transaction").path("gid").asText().equals(gid));
        assertThat(store.findKv(Parking.CATEGORY, gid)).isEmpty();
    }

    @Test
    void badRequestsAreRefusedAndChangeNothing() {
        assertThat(dtm.post("/api/dtm4j/parked/replay", "{}").status()).isEqualTo(400);
        assertThat(dtm.post("/api/dtm4j/parked/replay", "{\"gids\":[]}").status())
                .isEqualTo(400);
        assertThat(dtm.post("/api/dtm4j/parked/replay", "{\"gids\":[1]}").status())
                .isEqualTo(400);
        assertThat(dtm.post("/api/dtm4j/parked/stop", "not json").status()).isEqualTo(400);
        String tooMany = "{\"gids\":[" + "\"g\",".repeat(1000) + "\"g\"]}";
        assertThat(dtm.post("/api/dtm4j/parked/stop", tooMany).status()).isEqualTo(400);
        assertThat(dtm.get("/api/dtm4j/parked?position=abc").status()).isEqualTo(400);
    }
}
