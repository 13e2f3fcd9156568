package io.dtm4j.server.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the server with SIGKILL in the middle of work and restarts it on the same data directory:
 * what was acknowledged is still there and is finished, and nothing already done is done again.
 * Runs with one-second intervals in real time, polling with limits derived from those intervals and
 * the machine's speed (see {@link ServerProcess#budget}).
 */
class CrashRecoveryTest {
    private static final Map<String, String> FAST = Map.of(
            "RETRY_INTERVAL",
            "1",
            "MAX_RETRY_INTERVAL",
            "1",
            "TRANS_CRON_INTERVAL",
            "1",
            "TIMEOUT_TO_FAIL",
            "2",
            "LOG_LEVEL",
            "warn");

    @TempDir
    Path tmp;

    private final BusinessStub busi = new BusinessStub();
    private ServerProcess server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        busi.close();
    }

    @Test
    void sagaWhoseBranchKeptFailingFinishesAfterKillAndRestartWithoutRepeatingDoneWork() throws Exception {
        String gid = "crashSaga";
        busi.always("TransIn-crash", Reply.ERROR);
        server = new ServerProcess(tmp.resolve("data"), FAST).start();
        String saga = """
                {"gid":"%s","trans_type":"saga","steps":[
                  {"action":"%s","compensate":"%s"},{"action":"%s","compensate":"%s"}],
                 "payloads":["{\\"amount\\":30}","{\\"amount\\":30}"]}""".formatted(
                        gid,
                        busi.url("TransOut-crash"),
                        busi.url("TransOutRevert-crash"),
                        busi.url("TransIn-crash"),
                        busi.url("TransInRevert-crash"));
        assertThat(server.post("/api/dtmsvr/submit", saga).statusCode()).isEqualTo(200);
        // the submit's round failed on TransIn: the scheduler retries it in its next round
        Awaitility.await("TransIn retried by the scheduler")
                .atMost(ServerProcess.budget(server.nextRound(1)))
                .until(() -> count(gid, "TransIn-crash action") >= 2);

        server.kill();
        int callsBeforeRestart = busi.calls(gid).size();
        busi.always("TransIn-crash", Reply.SUCCESS);
        server.start();

        // due at most a backoff after the kill, or a lease after a round the kill cut off
        Awaitility.await("saga succeeds after restart")
                .atMost(ServerProcess.budget(server.nextRound(1)))
                .until(() -> server.status(gid).equals("succeed"));
        var afterRestart = busi
                .calls(gid)
                .subList(callsBeforeRestart, busi.calls(gid).size())
                .stream()
                .map(c -> c.endpoint() + " " + c.query().get("op"))
                .toList();
        // only the failing step again: a TransIn the killed process had sent may still arrive after
        // the kill (the stub reads what reached its socket), so there may be one more of those
        assertThat(afterRestart).as(server.output()).isNotEmpty().allMatch("TransIn-crash action"::equals);
        assertThat(count(gid, "TransOut-crash action")).isEqualTo(1);
    }

    @Test
    void preparedMessageSurvivesKillAndIsCheckedBackAfterRestart() throws Exception {
        String gid = "crashMsg";
        server = new ServerProcess(tmp.resolve("data"), FAST).start();
        String msg = """
                {"gid":"%s","trans_type":"msg","steps":[{"action":"%s"}],"payloads":["{\\"amount\\":30}"],
                 "query_prepared":"%s"}""".formatted(gid, busi.url("TransIn-msg"), busi.url("QueryPrepared-msg"));
        assertThat(server.post("/api/dtmsvr/prepare", msg).statusCode()).isEqualTo(200);
        server.kill(); // right after the acknowledgement: the prepare must already be durable

        server.start();
        // checked back once TimeoutToFail has passed since the prepare, then delivered in the same round
        Duration timeoutToFail = Duration.ofSeconds(server.config().timeoutToFail());
        Awaitility.await("checked back and delivered")
                .atMost(ServerProcess.budget(timeoutToFail.plus(server.nextRound(2))))
                .until(() -> server.status(gid).equals("succeed"));
        var checkBack = busi.calls(gid).get(0);
        assertThat(checkBack.method()).isEqualTo("GET");
        assertThat(checkBack.endpoint()).isEqualTo("QueryPrepared-msg");
        assertThat(checkBack.query())
                .containsEntry("branch_id", "00")
                .containsEntry("op", "msg")
                .containsEntry("trans_type", "msg");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared-msg msg", "TransIn-msg action");
    }

    private long count(String gid, String trail) {
        return busi.trail(gid).stream().filter(trail::equals).count();
    }
}
