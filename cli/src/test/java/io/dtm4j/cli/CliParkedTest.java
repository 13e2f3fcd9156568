package io.dtm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code parked ...} against a real server that parks a transaction at its first failed round
 * (ParkAfterRetries 1; docs/observability.md#parking).
 */
class CliParkedTest {
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer(c -> c.withParking(new ServerConfig.Parking(1, 0)));

    String gid;
    CliRunner cli;

    @BeforeEach
    void setUp(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
        cli = new CliRunner(dtm.baseUrl());
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    /** Submits a saga whose action answers 500, and waits until the server lists it as parked. */
    void submitUntilParked(String g) {
        busi.alwaysFor(g, "TransOut", Reply.ERROR);
        Trans saga = Trans.saga(g).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}");
        assertThat(dtm.post("/api/dtmsvr/submit", saga.body()).status()).isEqualTo(200);
        await().until(() -> dtm.get("/api/dtm4j/parked?limit=1000").body().contains("\"gid\":\"" + g + "\""));
    }

    static List<String> cells(String row) {
        return List.of(row.trim().split("\\s{2,}"));
    }

    @Test
    void listShowsAParkedTransactionAndReplayResumesIt() {
        submitUntilParked(gid);

        CliRunner.Result list = cli.run("parked", "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(cells(list.lines().get(0)))
                .containsExactly("GID", "TYPE", "STATUS", "PARKED AT", "RETRIES", "REASON", "BRANCH", "ERROR");
        List<String> row = list.lines().stream()
                .filter(l -> l.startsWith(gid + " "))
                .map(CliParkedTest::cells)
                .findFirst()
                .orElseThrow(() -> new AssertionError(list.toString()));
        assertThat(row.subList(0, 3)).containsExactly(gid, "saga", "submitted");
        assertThat(row.get(4)).isEqualTo("1");
        assertThat(row.get(5)).isEqualTo("1 consecutive failures (budget 1)");
        assertThat(row.get(6)).isEqualTo(busi.url("TransOut"));
        assertThat(row.get(7)).contains("internal error").doesNotStartWith("error calling"); // BRANCH names the URL
        // the transaction commands show it as parked too
        assertThat(cells(cli.run("list", "--gid", gid).lines().get(1)).get(4)).isEqualTo("parked");
        assertThat(cli.run("show", gid).out()).containsPattern("(?m)^next_cron_time +\\S+ \\(parked\\)$");

        busi.alwaysFor(gid, "TransOut", Reply.SUCCESS); // the service is fixed
        CliRunner.Result replay = cli.run("parked", "replay", gid);
        assertThat(replay.exit()).as(replay.toString()).isZero();
        assertThat(replay.out()).isEqualTo(gid + ": replayed: due now\n");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");

        CliRunner.Result again = cli.run("parked", "replay", gid);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err())
                .isEqualTo("dtm4j-cli: " + gid + ": not parked (unknown gid, finished, or not parked now)\n");
        assertThat(cli.run("parked", "list").lines()).noneMatch(l -> l.startsWith(gid + " "));
    }

    @Test
    void stopEndsAParkedTransactionOnlyWhenConfirmed() {
        submitUntilParked(gid);

        CliRunner.Result noTerminal = cli.run("parked", "stop", gid);
        assertThat(noTerminal.exit()).isEqualTo(2);
        assertThat(noTerminal.err()).contains("--yes");
        assertThat(cli.run("parked", "list").lines()).anyMatch(l -> l.startsWith(gid + " "));

        CliRunner.Result stop = cli.run("parked", "stop", gid, "--yes");
        assertThat(stop.exit()).as(stop.toString()).isZero();
        assertThat(stop.out()).isEqualTo(gid + ": stopped (failed)\n");
        assertThat(dtm.status(gid)).isEqualTo("failed");
        // its next_cron_time stays where parking put it, but a finished transaction is not called parked
        assertThat(cli.run("show", gid).out())
                .containsPattern("(?m)^status +failed$")
                .doesNotContain("parked");
        assertThat(cells(cli.run("list", "--gid", gid).lines().get(1)).get(4)).isEqualTo("-");
    }

    @Test
    void jsonPrintsTheServersEntriesAndAnswers() {
        submitUntilParked(gid);

        CliRunner.Result list = cli.run("--json", "parked", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.lines())
                .map(dtm::parse)
                .filteredOn(p -> p.path("transaction").path("gid").asText().equals(gid))
                .singleElement()
                .satisfies(p -> assertThat(p.path("reason").asText()).isEqualTo("1 consecutive failures (budget 1)"));

        CliRunner.Result replay = cli.run("--json", "parked", "replay", gid, gid + "-unknown");
        assertThat(replay.exit()).isEqualTo(1); // one of them was not parked
        assertThat(dtm.parse(replay.out()))
                .isEqualTo(
                        dtm.parse("{\"results\":{\"" + gid + "\":\"done\",\"" + gid + "-unknown\":\"not_parked\"}}"));
    }
}
