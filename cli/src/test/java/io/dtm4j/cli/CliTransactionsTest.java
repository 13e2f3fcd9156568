package io.dtm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code list}, {@code show}, {@code retry} and {@code stop} against the real server over HTTP. Every
 * command line carries a bearer token (DTM4J_TOKEN), which today's server ignores: sending it must not
 * break anything. The server's clock only moves when a test moves it.
 */
class CliTransactionsTest {
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer();

    String gid;
    CliRunner cli;

    @BeforeEach
    void setUp(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
        cli = new CliRunner(dtm.baseUrl()).env("DTM4J_TOKEN", "some-token").clock(dtm.clock);
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    Trans saga(String g) {
        return Trans.saga(g).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{\"amount\":30}");
    }

    void submitSucceeding(String g) {
        assertThat(dtm.post(
                                "/api/dtmsvr/submit",
                                saga(g).set("wait_result", true).body())
                        .status())
                .isEqualTo(200);
        assertThat(dtm.status(g)).isEqualTo("succeed");
    }

    /** Submits a saga whose action answers 500 until told otherwise; returns once its first round failed. */
    void submitFailing(String g) {
        busi.alwaysFor(g, "TransOut", Reply.ERROR);
        assertThat(dtm.post("/api/dtmsvr/submit", saga(g).body()).status()).isEqualTo(200);
        await().until(() -> dtm.nextCronInterval(g) == 20);
    }

    void prepareMsg(String g) {
        Trans msg = Trans.msg(g).step(busi.url("TransIn"), "{}").set("query_prepared", busi.url("QueryPrepared"));
        assertThat(dtm.post("/api/dtmsvr/prepare", msg.body()).status()).isEqualTo(200);
    }

    /** Returns the table rows (header excluded) whose first cell is one of {@code gids}, in printed order. */
    static List<String> rowsOf(CliRunner.Result r, String... gids) {
        List<String> rows = new ArrayList<>();
        for (String line :
                r.lines().subList(Math.min(1, r.lines().size()), r.lines().size())) {
            for (String g : gids) {
                if (line.split("\\s+")[0].equals(g)) {
                    rows.add(line);
                }
            }
        }
        return rows;
    }

    static List<String> cells(String row) {
        return List.of(row.trim().split("\\s{2,}"));
    }

    @Test
    void listShowsSubmittedTransactionsNewestFirst() {
        String done = gid + "-done";
        String failing = gid + "-failing";
        submitSucceeding(done);
        submitFailing(failing);

        CliRunner.Result r = cli.run("list");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(cells(r.lines().get(0)))
                .containsExactly("GID", "TYPE", "STATUS", "CREATED", "NEXT RETRY", "PROTOCOL");
        List<String> rows = rowsOf(r, done, failing);
        assertThat(rows).hasSize(2);
        JsonNode f = dtm.transaction(failing);
        assertThat(cells(rows.get(0)))
                .containsExactly(
                        failing,
                        "saga",
                        "submitted",
                        f.path("create_time").asText(),
                        f.path("next_cron_time").asText(),
                        "http");
        assertThat(cells(rows.get(1)))
                .containsExactly(
                        done,
                        "saga",
                        "succeed",
                        dtm.transaction(done).path("create_time").asText(),
                        "-",
                        "http");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void listFiltersByStatusTypeAndGid() {
        String done = gid + "-done";
        String failing = gid + "-failing";
        String msg = gid + "-msg";
        submitSucceeding(done);
        submitFailing(failing);
        prepareMsg(msg);

        CliRunner.Result succeeded = cli.run("list", "--status", "succeed");
        assertThat(rowsOf(succeeded, done, failing, msg)).hasSize(1).allMatch(row -> row.startsWith(done + " "));

        CliRunner.Result msgs = cli.run("list", "--type", "msg");
        assertThat(rowsOf(msgs, done, failing, msg)).hasSize(1).allMatch(row -> row.startsWith(msg + " "));
        assertThat(cells(rowsOf(msgs, msg).get(0))).contains("prepared");

        CliRunner.Result one = cli.run("list", "--gid", failing);
        assertThat(one.lines()).hasSize(2);
        assertThat(cells(one.lines().get(1))).startsWith(failing, "saga", "submitted");

        // the server ignores the other filters when given a gid: the command applies them
        CliRunner.Result none = cli.run("list", "--gid", failing, "--status", "succeed");
        assertThat(none.exit()).isZero();
        assertThat(none.out()).isEqualTo("no transactions\n");
        assertThat(cli.run("list", "--gid", gid + "-unknown").out()).isEqualTo("no transactions\n");

        // --json: the server's objects unchanged, one per line
        CliRunner.Result json = cli.run("--json", "list", "--gid", done);
        JsonNode served = dtm.parse(dtm.get("/api/dtmsvr/all?gid=" + done).body())
                .path("transactions")
                .get(0);
        assertThat(json.lines()).containsExactly(served.toString());
        CliRunner.Result allSucceeded = cli.run("list", "--status", "succeed", "--json");
        List<String> servedLines = new ArrayList<>();
        dtm.parse(dtm.get("/api/dtmsvr/all?status=succeed").body())
                .path("transactions")
                .forEach(t -> servedLines.add(t.toString()));
        assertThat(allSucceeded.lines()).isEqualTo(servedLines);
    }

    @Test
    void listFiltersByCreationTime() {
        dtm.clock.advance(Duration.ofDays(1));
        String early = gid + "-early";
        String late = gid + "-late";
        submitSucceeding(early);
        Instant between = dtm.clock.instant().plus(Duration.ofHours(1));
        dtm.clock.advance(Duration.ofHours(2));
        submitSucceeding(late);

        CliRunner.Result since = cli.run("list", "--since", between.toString());
        assertThat(rowsOf(since, early, late)).hasSize(1).allMatch(row -> row.startsWith(late + " "));

        CliRunner.Result until = cli.run("list", "--until", between.toString());
        assertThat(rowsOf(until, early, late)).hasSize(1).allMatch(row -> row.startsWith(early + " "));

        // an age counts back from now: the late one is a moment old, the early one two hours
        CliRunner.Result lastHour = cli.run("list", "--since", "1h");
        assertThat(rowsOf(lastHour, early, late)).hasSize(1).allMatch(row -> row.startsWith(late + " "));
        CliRunner.Result lastThreeHours = cli.run("list", "--since", "3h", "--until", "90m");
        assertThat(rowsOf(lastThreeHours, early, late)).hasSize(1).allMatch(row -> row.startsWith(early + " "));
    }

    @Test
    void listShowsOnePageOrEveryPageWithAll() {
        dtm.clock.advance(Duration.ofDays(3)); // this test's transactions are the only ones from now on
        String since = dtm.clock.instant().toString();
        List<String> gids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            gids.add(gid + "-" + i);
            prepareMsg(gids.get(i));
        }
        List<String> newestFirst = gids.reversed();

        CliRunner.Result firstPage = cli.run("list", "--since", since, "--limit", "2");
        assertThat(firstPage.exit()).isZero();
        assertThat(firstPage.lines()).hasSize(3); // the header and two rows
        assertThat(rowsOf(firstPage, gids.toArray(String[]::new)))
                .map(row -> cells(row).get(0))
                .containsExactlyElementsOf(newestFirst.subList(0, 2));
        assertThat(firstPage.err()).contains("--all");

        CliRunner.Result all = cli.run("list", "--since", since, "--limit", "2", "--all");
        assertThat(all.lines()).hasSize(6);
        assertThat(rowsOf(all, gids.toArray(String[]::new)))
                .map(row -> cells(row).get(0))
                .containsExactlyElementsOf(newestFirst);
        assertThat(all.err()).isEmpty();

        CliRunner.Result json = cli.run("--json", "list", "--since", since, "--limit", "2", "--all");
        assertThat(json.lines())
                .map(line -> dtm.parse(line).path("gid").asText())
                .containsExactlyElementsOf(newestFirst);
    }

    @Test
    void showPrintsTheTransactionAndItsBranches() {
        Trans twoSteps = Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                .step(busi.url("TransIn"), busi.url("TransInRevert"), "{}");
        busi.alwaysFor(gid, "TransIn", Reply.ERROR);
        dtm.post("/api/dtmsvr/submit", twoSteps.body());
        await().until(() -> dtm.nextCronInterval(gid) == 20);

        CliRunner.Result r = cli.run("show", gid);

        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode t = dtm.transaction(gid);
        assertThat(r.out())
                .containsPattern("(?m)^gid +" + gid + "$")
                .containsPattern("(?m)^trans_type +saga$")
                .containsPattern("(?m)^status +submitted$")
                .containsPattern("(?m)^create_time +" + t.path("create_time").asText() + "$")
                .containsPattern(
                        "(?m)^next_cron_time +" + t.path("next_cron_time").asText() + "$")
                .containsPattern("(?m)^next_cron_interval +20 s$")
                .doesNotContainPattern("(?m)^concurrent ");
        List<String> lines = r.lines();
        int header = lines.indexOf(
                lines.stream().filter(l -> l.startsWith("BRANCH")).findFirst().orElseThrow());
        assertThat(cells(lines.get(header))).containsExactly("BRANCH", "OP", "STATUS", "URL", "UPDATED");
        int calls = lines.indexOf("last unsuccessful calls:");
        assertThat(lines.subList(header + 1, calls - 1))
                .map(l -> cells(l).subList(0, 4))
                .containsExactly(
                        List.of("01", "compensate", "prepared", busi.url("TransOutRevert")),
                        List.of("01", "action", "succeed", busi.url("TransOut")),
                        List.of("02", "compensate", "prepared", busi.url("TransInRevert")),
                        List.of("02", "action", "prepared", busi.url("TransIn")));
        // the failing branch's last call, with the service's answer
        assertThat(cells(lines.get(calls + 1))).containsExactly("BRANCH", "AT", "MS", "OUTCOME", "ANSWER");
        assertThat(lines.subList(calls + 2, lines.size()))
                .singleElement()
                .satisfies(l ->
                        assertThat(l).startsWith("02 action").contains("error").contains("internal error"));

        CliRunner.Result json = cli.run("show", gid, "--json");
        assertThat(json.exit()).isZero();
        assertThat(dtm.parse(json.out())).isEqualTo(dtm.query(gid));

        CliRunner.Result unknown = cli.run("show", gid + "-unknown");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("dtm4j-cli: no transaction with gid " + gid + "-unknown\n");
    }

    @Test
    void listFiltersByGidPrefix() {
        submitSucceeding(gid + "-a");
        submitSucceeding(gid + "-b");
        submitSucceeding("other-" + gid);

        CliRunner.Result r = cli.run("list", "--gid-prefix", gid + "-", "--json");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).map(l -> dtm.parse(l).path("gid").asText()).containsExactly(gid + "-b", gid + "-a");
    }

    @Test
    void nodesListsTheServerNode() {
        dtm.server().nodes().beat(); // other tests move the clock; the heartbeat timer does not run in tests
        CliRunner.Result r = cli.run("nodes");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(cells(r.lines().get(0)))
                .containsExactly("ID", "HOST", "HTTP", "GRPC", "VERSION", "STARTED", "HEARTBEAT", "ROUNDS", "ALIVE");
        assertThat(r.lines()).as(r.toString()).hasSize(2);
        assertThat(cells(r.lines().get(1)))
                .contains(
                        String.valueOf(dtm.server().httpPort()),
                        String.valueOf(dtm.server().grpcPort()),
                        "yes");
    }

    @Test
    void retryMakesAFailingTransactionDueAndItsNextRoundRuns() {
        submitFailing(gid);
        busi.alwaysFor(gid, "TransOut", Reply.SUCCESS); // the service is fixed
        int calls = busi.calls(gid).size();
        dtm.cron(Duration.ZERO); // not due yet: its retry interval has not passed
        assertThat(busi.calls(gid)).hasSize(calls);
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        CliRunner.Result r = cli.run("retry", gid);

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo(gid + ": due now\n");
        assertThat(OffsetDateTime.parse(
                                dtm.transaction(gid).path("next_cron_time").asText())
                        .toInstant())
                .isEqualTo(dtm.clock.instant());
        dtm.cron(Duration.ZERO);
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(busi.calls(gid)).hasSize(calls + 1);
    }

    @Test
    void retryShowsTheServersMessageForAnUnknownGidAndGoesOnWithTheOthers() {
        submitFailing(gid);

        CliRunner.Result r = cli.run("retry", gid + "-unknown", gid);

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .isEqualTo("dtm4j-cli: " + gid + "-unknown: the server failed (HTTP 500): no TransGlobal with gid: "
                        + gid + "-unknown found\n");
        assertThat(r.out()).isEqualTo(gid + ": due now\n");

        CliRunner.Result json = cli.run("--json", "retry", gid);
        assertThat(json.out()).isEqualTo("{\"gid\":\"" + gid + "\",\"dtm_result\":\"SUCCESS\"}\n");
    }

    @Test
    void stopTurnsATransactionFailedAndAFinishedOneIsRefused() {
        submitFailing(gid);

        CliRunner.Result r = cli.run("stop", gid, "--yes");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo(gid + ": stopped (failed)\n");
        assertThat(dtm.status(gid)).isEqualTo("failed");

        CliRunner.Result again = cli.run("stop", "--yes", gid);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err())
                .isEqualTo("dtm4j-cli: " + gid + ": the server refused (HTTP 409): global transaction force stop"
                        + " error. status: failed. error: FAILURE\n");
        assertThat(again.out()).isEmpty();
    }

    @Test
    void stopAsksForConfirmationAndWithoutATerminalRefusesWithoutYes() {
        submitFailing(gid);

        CliRunner.Result noTerminal = cli.run("stop", gid);
        assertThat(noTerminal.exit()).isEqualTo(2);
        assertThat(noTerminal.err())
                .startsWith("dtm4j-cli: stop needs --yes when there is no terminal to confirm at; nothing was done\n")
                .contains("Usage: dtm4j-cli stop GID... [--yes]");
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        CliRunner.Result declined = cli.answering("n").run("stop", gid);
        assertThat(declined.exit()).isEqualTo(1);
        assertThat(declined.err()).isEqualTo("dtm4j-cli: not confirmed; nothing was done\n");
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        CliRunner.Result confirmed = cli.answering("y").run("stop", gid);
        assertThat(confirmed.exit()).isZero();
        assertThat(dtm.status(gid)).isEqualTo("failed");
    }
}
