package io.dtm4j.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int64Value;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC workflows that do not finish in their first run: the server resumes them by calling the
 * application's {@code workflow.Workflow/Execute}, and the engine replays what was recorded. Spec
 * docs/protocol.md §8.6, §19.5.
 */
class GrpcWorkflowResumeTest {
    private static GrpcWorkflowFixture fx;

    @BeforeAll
    static void start() {
        fx = new GrpcWorkflowFixture();
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    /**
     * docs/protocol.md §19.5 TestWorkflowGrpcError: TransOut errors once, the server's callback
     * runs the workflow again.
     */
    @Test
    void errorInTheFirstRunIsResumedByTheServerOverGrpc() throws Exception {
        String name = "grpc-wf-error";
        String gid = fx.gid(name);
        List<Long> inputs = new CopyOnWriteArrayList<>();
        fx.workflows.register(name, (wf, data) -> {
            Int64Value amount = Int64Value.parseFrom(data);
            inputs.add(amount.getValue());
            wf.newBranch().onRollback(bb -> wf.invoke(fx.url("TransOutRevert"), amount));
            wf.invoke(fx.url("TransOut"), amount);
            wf.newBranch().onRollback(bb -> wf.invoke(fx.url("TransInRevert"), amount));
            return wf.invoke(fx.url("TransIn"), amount);
        });
        fx.scriptFor(gid, "TransOut", Status.UNAVAILABLE.withDescription("bank restarting"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isExactlyInstanceOf(DtmException.class)
                .hasMessageContaining("UNAVAILABLE")
                .hasMessageContaining("bank restarting");
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        assertThat(fx.progress(gid)).isEmpty();

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.callbacks(gid))
                .singleElement()
                .satisfies(c -> assertThat(c.metadata())
                        .containsEntry("dtm-op", name)
                        .containsEntry("dtm-trans_type", "workflow"));
        assertThat(inputs).containsExactly(30L, 30L); // the callback carried the input
        assertThat(fx.trail(gid)).containsExactly("TransOut action", "TransOut action", "TransIn action");
        assertThat(fx.balances(gid)).containsExactly(70L, 30L);
        byte[] result = fx.workflows.execute(name, gid, GrpcWorkflowFixture.input());
        assertThat(Int64Value.parseFrom(result).getValue()).isEqualTo(30);
        assertThat(fx.callExecute(gid, name, GrpcWorkflowFixture.input()).getCode())
                .isEqualTo(Status.Code.OK);
    }

    @Test
    void ongoingStepIsResumedAndTheRecordedReplyIsReplayedWithoutCallingAgain() throws Exception {
        String name = "grpc-wf-ongoing";
        String gid = fx.gid(name);
        List<Long> transOutReplies = new CopyOnWriteArrayList<>();
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            transOutReplies.add(
                    Int64Value.parseFrom(wf.invoke(fx.url("TransOut"), data)).getValue());
            wf.newBranch();
            return wf.invoke(fx.url("TransIn"), data);
        });
        fx.scriptFor(gid, "TransIn", Status.FAILED_PRECONDITION.withDescription("not yet"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(DtmOngoingException.class);
        assertThat(fx.progress(gid)).containsExactly("01-action S");

        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(transOutReplies).containsExactly(70L, 70L);
        assertThat(fx.trail(gid)).containsExactly("TransOut action", "TransIn action", "TransIn action");
        assertThat(fx.balances(gid)).containsExactly(70L, 30L);
    }

    /**
     * docs/protocol.md §19.5 TestWorkflowGrpcRollbackResume: with COMPENSATE_ERROR_BRANCH, ONGOING
     * at five points (handler start, after TransOut, after TransIn failed, in both rollbacks): each
     * run stops at the next one, so the workflow stays prepared after Execute and four server
     * rounds, and the fifth round fails it with the balances restored.
     */
    @Test
    void rollbackInterruptedAtFivePointsIsResumedUntilFailed() throws Exception {
        String name = "grpc-wf-rollback-resume";
        String gid = fx.gid(name);
        Set<Integer> passed = ConcurrentHashMap.newKeySet();
        Interruption ongoingOnce = point -> {
            if (passed.add(point)) {
                throw new DtmOngoingException("interrupted at point " + point);
            }
        };
        fx.workflows.register(
                name,
                (wf, data) -> {
                    ongoingOnce.at(0);
                    wf.newBranch().onRollback(bb -> {
                        ongoingOnce.at(1);
                        wf.invoke(fx.url("TransOutRevert"), data);
                    });
                    wf.invoke(fx.url("TransOut"), data);
                    ongoingOnce.at(2);
                    wf.newBranch().onRollback(bb -> {
                        ongoingOnce.at(3);
                        wf.invoke(fx.url("TransInRevert"), data);
                    });
                    try {
                        return wf.invoke(fx.url("TransIn"), data);
                    } finally {
                        ongoingOnce.at(4);
                    }
                },
                WorkflowOption.COMPENSATE_ERROR_BRANCH);
        fx.scriptFor(gid, "TransIn", Status.ABORTED.withDescription("Insufficient balance"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(DtmOngoingException.class);
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        for (int round = 1; round <= 4; round++) {
            fx.resumeByServer();
            assertThat(fx.server.status(gid)).as("after round %d", round).isEqualTo("prepared");
        }
        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.server.rollbackReason(gid)).contains("Insufficient balance");
        assertThat(passed).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(fx.callbacks(gid)).hasSize(5);
        // TransIn's rollback runs too (COMPENSATE_ERROR_BRANCH); its barrier sees nothing to undo
        assertThat(fx.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert rollback", "TransOutRevert rollback");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action F", "02-rollback S", "01-rollback S");
        assertThat(fx.balances(gid)).containsExactly(100L, 0L);
    }

    @Test
    void aFailureMetWhenTheServerResumesFailsTheWorkflow() throws Exception {
        String name = "grpc-wf-failed-on-resume";
        String gid = fx.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            wf.invoke(fx.url("TransOut"), data);
            return null;
        });
        fx.scriptFor(
                gid,
                "TransOut",
                Status.UNKNOWN.withDescription("network glitch"),
                Status.ABORTED.withDescription("account closed"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isExactlyInstanceOf(DtmException.class);
        fx.resumeByServer();

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.server.rollbackReason(gid)).contains("account closed");
        assertThatThrownBy(() -> fx.workflows.execute(name, gid, GrpcWorkflowFixture.input()))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("account closed");
        assertThat(fx.balances(gid)).containsExactly(100L, 0L);
        // the callback answers a failed workflow with ABORTED, an ongoing one with FAILED_PRECONDITION
        Status failed = fx.callExecute(gid, name, GrpcWorkflowFixture.input());
        assertThat(failed.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(failed.getDescription()).contains("account closed");
    }

    @Test
    void theCallbackAnswersAnOngoingStepWithFailedPrecondition() {
        String name = "grpc-wf-callback-ongoing";
        String gid = fx.gid(name);
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch();
            return wf.invoke(fx.url("TransOut"), data);
        });
        fx.scriptFor(gid, "TransOut", Status.FAILED_PRECONDITION.withDescription("not yet"));

        Status ongoing = fx.callExecute(gid, name, GrpcWorkflowFixture.input());

        assertThat(ongoing.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(fx.server.status(gid)).isEqualTo("prepared");
        assertThat(fx.callExecute(gid, name, GrpcWorkflowFixture.input()).getCode())
                .isEqualTo(Status.Code.OK);
        assertThat(fx.server.status(gid)).isEqualTo("succeed");
    }

    /** Throws ONGOING the first time a run reaches {@code point}. */
    @FunctionalInterface
    private interface Interruption {
        void at(int point);
    }
}
