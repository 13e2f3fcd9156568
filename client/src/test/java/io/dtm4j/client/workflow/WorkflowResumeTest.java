package io.dtm4j.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import io.dtm4j.server.testing.BusinessStub.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workflows that do not finish in their first run: the server calls the application back and the
 * engine replays what was recorded; also the engine's guards. docs/protocol.md §8.6, §19.5.
 */
class WorkflowResumeTest {
    private static WorkflowFixture fx;

    @BeforeAll
    static void start() {
        fx = new WorkflowFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    private static void registerTransfer(String name) {
        fx.workflows.register(name, (wf, data) -> {
            for (String step : List.of("TransOut", "TransIn")) {
                wf.newBranch().onRollback(bb -> wf.post(fx.busi.url(step + "Revert"), data));
                wf.post(fx.busi.url(step), data);
            }
            return null;
        });
    }

    @Test
    void errorInTheFirstRunLeavesTheWorkflowToTheServersCallback() {
        String name = "wf-error";
        String gid = WorkflowFixture.gid(name);
        registerTransfer(name);
        fx.busi.scriptFor(gid, "TransOut", Reply.ERROR);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isExactlyInstanceOf(DtmException.class)
                .hasMessageContaining("http status 500");
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        assertThat(fx.progress(gid)).isEmpty();

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.busi.trail(gid)).containsExactly("TransOut action", "TransOut action", "TransIn action");
        assertThat(fx.callbacks(gid)).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("POST");
            assertThat(c.query())
                    .containsEntry("op", name)
                    .containsEntry("branch_id", "00")
                    .containsEntry("trans_type", "workflow");
            assertThat(c.body()).isEqualTo(WorkflowFixture.INPUT);
        });
    }

    @Test
    void ongoingStepLeavesTheWorkflowToTheServersCallback() {
        String name = "wf-ongoing";
        String gid = WorkflowFixture.gid(name);
        registerTransfer(name);
        fx.busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmOngoingException.class);
        assertThat(fx.server.status(gid)).isEqualTo("prepared");

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action S");
    }

    @Test
    void resumedWorkflowSkipsTheLocalStepThatAlreadySucceeded() {
        String name = "wf-resume-skip";
        String gid = WorkflowFixture.gid(name);
        AtomicInteger localRuns = new AtomicInteger();
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            byte[] local = wf.doAction(bb -> ("run " + localRuns.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
            wf.newBranch();
            wf.post(fx.busi.url("TransOut"), local);
            return null;
        });
        fx.busi.scriptFor(gid, "TransOut", Reply.ONGOING);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmOngoingException.class);
        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(localRuns).hasValue(1);
        assertThat(fx.busi.calls(gid)).extracting(c -> c.body()).containsExactly("run 1", "run 1");
    }

    @Test
    void resumedRollbackReplaysTheRecordedFailureWithoutCallingAgain() {
        String name = "wf-rollback-resume";
        String gid = WorkflowFixture.gid(name);
        registerTransfer(name);
        fx.busi.scriptFor(gid, "TransIn", Reply.failure("limit reached"));
        fx.busi.scriptFor(gid, "TransOutRevert", Reply.ERROR);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isExactlyInstanceOf(DtmException.class);
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action F");

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.server.rollbackReason(gid)).contains("limit reached");
        assertThat(fx.busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransOutRevert rollback", "TransOutRevert rollback");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action F", "01-rollback S");
    }

    @Test
    void twoRunsRecordingTheSameBranchAndOpConflictAndOnlyOneWins() throws Exception {
        String name = "wf-branch-conflict";
        String gid = WorkflowFixture.gid(name);
        CyclicBarrier bothRunning = new CyclicBarrier(2);
        CountDownLatch bothRecorded = new CountDownLatch(2);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            try {
                wf.doAction(bb -> {
                    bothRunning.await(10, TimeUnit.SECONDS); // both runs pass the progress check first
                    return "mine".getBytes(StandardCharsets.UTF_8);
                });
            } finally {
                bothRecorded.countDown(); // the winner submits only after the loser tried to record
                bothRecorded.await(10, TimeUnit.SECONDS);
            }
            return null;
        });

        List<CompletableFuture<byte[]>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> fx.workflows.execute(name, gid, fx.input())));
        }
        List<Throwable> errors = new ArrayList<>();
        for (var run : runs) {
            try {
                run.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                errors.add(e.getCause());
            }
        }

        assertThat(errors)
                .singleElement()
                .satisfies(e -> assertThat(e)
                        .isExactlyInstanceOf(DtmException.class)
                        .hasMessageContaining("cannot record branch 01 op action"));
        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.progress(gid)).containsExactly("01-action S");
    }

    @Test
    void aSecondActionInOneBranchIsAProgrammingError() {
        String name = "wf-two-actions";
        String gid = WorkflowFixture.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            wf.doAction(bb -> null);
            wf.doAction(bb -> null);
            return null;
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("branch 01 already has an action");
        fx.forceStop(gid);
    }

    @Test
    void anActionBeforeNewBranchIsAProgrammingError() {
        String name = "wf-no-branch";
        String gid = WorkflowFixture.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.post(fx.busi.url("TransOut"), data);
            return null;
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call newBranch() before");
        assertThat(fx.busi.calls(gid)).isEmpty();
        fx.forceStop(gid);
    }

    @Test
    void aFailureFromARollbackCallbackIsAnErrorAndNothingIsSubmitted() {
        String name = "wf-phase2-failure";
        String gid = WorkflowFixture.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().onRollback(bb -> {
                throw new DtmFailureException("cannot undo");
            });
            wf.doAction(bb -> null);
            throw new DtmFailureException("give up");
        });

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must eventually succeed");
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        fx.forceStop(gid);
    }

    @Test
    void registrationAndInputAreChecked() {
        fx.workflows.register("wf-once", (wf, data) -> null);
        DtmClient dtm = fx.dtm;

        assertThatThrownBy(() -> fx.workflows.register("wf-once", (wf, data) -> null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'wf-once' is already registered");
        assertThatThrownBy(() -> fx.workflows.execute("wf-unknown", "g1", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no workflow named 'wf-unknown'");
        assertThatThrownBy(() -> fx.workflows.executeByQuery(Map.of("gid", "g1"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gid and op");
        assertThatThrownBy(() -> Workflows.http(dtm, "/relative/resume"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absolute http or https URL");
        assertThat(fx.workflows
                        .resume(Map.of("gid", List.of("g1"), "op", List.of("wf-unknown")), null)
                        .status())
                .isEqualTo(500);
    }
}
