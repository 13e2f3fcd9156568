package io.dtm4j.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.server.testing.BusinessStub.Call;
import io.dtm4j.server.testing.BusinessStub.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * The workflow engine against the real server, finishing in one run: docs/protocol.md §8.6, §19.5.
 */
class WorkflowTest {
    private static WorkflowFixture fx;

    @BeforeAll
    static void start() {
        fx = new WorkflowFixture();
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    /** Three HTTP branches, TransOut, TransIn and TransFee, each with its revert as rollback. */
    private static void registerTransfer(String name, WorkflowOption... options) {
        fx.workflows.register(
                name,
                (wf, data) -> {
                    for (String step : List.of("TransOut", "TransIn", "TransFee")) {
                        wf.newBranch().onRollback(bb -> wf.post(fx.busi.url(step + "Revert"), data));
                        wf.post(fx.busi.url(step), data);
                    }
                    return null;
                },
                options);
    }

    @Test
    void workflowWithThreeBranchesSucceedsAndRunsItsFinishCallbackAsCommit() {
        String name = "wf-normal";
        String gid = WorkflowFixture.gid(name);
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch().onRollback(bb -> wf.post(fx.busi.url("TransOutRevert"), data));
            wf.post(fx.busi.url("TransOut"), data);
            wf.newBranch().onRollback(bb -> wf.post(fx.busi.url("TransInRevert"), data));
            wf.post(fx.busi.url("TransIn"), data);
            wf.newBranch().onFinish((bb, rolledBack) -> finished.add(bb.branch().op() + " " + rolledBack));
            wf.doAction(bb -> "noted".getBytes(StandardCharsets.UTF_8));
            return null;
        });

        byte[] result = fx.workflows.execute(name, gid, fx.input());

        assertThat(result).isEmpty();
        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(finished).containsExactly("commit false");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action S", "03-action S", "03-commit S");
        Call transIn = fx.busi.calls(gid).get(1);
        assertThat(transIn.query())
                .containsEntry("trans_type", "workflow")
                .containsEntry("branch_id", "02")
                .containsEntry("op", "action");
        assertThat(transIn.body()).isEqualTo(WorkflowFixture.INPUT);
        assertThat(fx.server.query(gid).path("branches").get(2).path("bin_data").asText())
                .isEqualTo(Base64.getEncoder().encodeToString("noted".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theTransactionCarriesNameInputAndResumeUrl() {
        String name = "wf-stored";
        String gid = WorkflowFixture.gid(name);
        fx.workflows.register(name, (wf, data) -> null);

        fx.workflows.execute(name, gid, fx.input());

        var trans = fx.server.transaction(gid);
        assertThat(trans.path("trans_type").asText()).isEqualTo("workflow");
        assertThat(trans.path("query_prepared").asText()).isEqualTo(fx.workflows.callbackUrl());
        var custom = fx.server.parse(trans.path("custom_data").asText());
        assertThat(custom.path("name").asText()).isEqualTo(name);
        assertThat(Base64.getDecoder().decode(custom.path("data").asText())).isEqualTo(fx.input());
    }

    @Test
    void failedActionRollsBackTheEarlierBranchesInReverseButNotItself() {
        String name = "wf-rollback";
        String gid = WorkflowFixture.gid(name);
        registerTransfer(name);
        fx.busi.scriptFor(gid, "TransFee", Reply.failure("fee refused"));

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("fee refused");

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.server.rollbackReason(gid)).contains("http status 409").contains("fee refused");
        assertThat(fx.busi.trail(gid))
                .containsExactly(
                        "TransOut action",
                        "TransIn action",
                        "TransFee action",
                        "TransInRevert rollback",
                        "TransOutRevert rollback");
        assertThat(fx.progress(gid))
                .containsExactly("01-action S", "02-action S", "03-action F", "02-rollback S", "01-rollback S");
    }

    @Test
    void compensateErrorBranchAlsoRollsBackTheFailedBranch() {
        String name = "wf-compensate-error";
        String gid = WorkflowFixture.gid(name);
        registerTransfer(name, WorkflowOption.COMPENSATE_ERROR_BRANCH);
        fx.busi.scriptFor(gid, "TransFee", Reply.FAILURE);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmFailureException.class);

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.busi.trail(gid))
                .containsExactly(
                        "TransOut action",
                        "TransIn action",
                        "TransFee action",
                        "TransFeeRevert rollback",
                        "TransInRevert rollback",
                        "TransOutRevert rollback");
    }

    /** TCC inside a workflow: the try is the action, confirm and cancel are the branch's callbacks. */
    private static void registerTcc(String name) {
        fx.workflows.register(name, (wf, data) -> {
            for (String step : List.of("TransOut", "TransIn")) {
                wf.newBranch()
                        .onCommit(bb -> wf.post(fx.busi.url(step + "Confirm"), data))
                        .onRollback(bb -> wf.post(fx.busi.url(step + "Cancel"), data));
                wf.post(fx.busi.url(step + "Try"), data);
            }
            return null;
        });
    }

    @Test
    void tccWorkflowConfirmsInReverseOrder() {
        String name = "wf-tcc";
        String gid = WorkflowFixture.gid(name);
        registerTcc(name);

        fx.workflows.execute(name, gid, fx.input());

        assertThat(fx.server.status(gid)).isEqualTo("succeed");
        assertThat(fx.busi.trail(gid))
                .containsExactly(
                        "TransOutTry action", "TransInTry action", "TransInConfirm commit", "TransOutConfirm commit");
        assertThat(fx.progress(gid)).containsExactly("01-action S", "02-action S", "02-commit S", "01-commit S");
    }

    @Test
    void tccWorkflowWhoseSecondTryFailsCancelsTheFirst() {
        String name = "wf-tcc-rollback";
        String gid = WorkflowFixture.gid(name);
        registerTcc(name);
        fx.busi.scriptFor(gid, "TransInTry", Reply.FAILURE);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmFailureException.class);

        assertThat(fx.server.status(gid)).isEqualTo("failed");
        assertThat(fx.busi.trail(gid))
                .containsExactly("TransOutTry action", "TransInTry action", "TransOutCancel rollback");
    }

    @Test
    void finishedWorkflowReturnsItsRecordedResultWithoutRunningAgain() {
        String name = "wf-ret";
        String gid = WorkflowFixture.gid(name);
        AtomicInteger runs = new AtomicInteger();
        fx.workflows.register(name, (wf, data) -> {
            runs.incrementAndGet();
            wf.newBranch();
            String answer = wf.post(fx.busi.url("TransOut"), data);
            return ("done: " + answer).getBytes(StandardCharsets.UTF_8);
        });

        byte[] first = fx.workflows.execute(name, gid, fx.input());
        byte[] second = fx.workflows.execute(name, gid, fx.input());

        assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("done: " + Reply.SUCCESS.body());
        assertThat(second).isEqualTo(first);
        assertThat(runs).hasValue(1);
        assertThat(fx.busi.trail(gid)).containsExactly("TransOut action");
        assertThat(Base64.getDecoder()
                        .decode(fx.server.transaction(gid).path("result").asText()))
                .isEqualTo(first);
    }

    @Test
    void failedWorkflowExecutedAgainThrowsItsRollbackReasonAndTheCallbackAnswers409() {
        String name = "wf-failed-again";
        String gid = WorkflowFixture.gid(name);
        registerTransfer(name);
        fx.busi.scriptFor(gid, "TransOut", Reply.failure("no money"));
        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmFailureException.class);
        int calls = fx.busi.calls(gid).size();

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input()))
                .isInstanceOf(DtmFailureException.class)
                .hasMessage(fx.server.rollbackReason(gid));
        ResumeReply reply = fx.workflows.resume(Map.of("gid", gid, "op", name), fx.input());

        assertThat(reply.status()).isEqualTo(409);
        assertThat(reply.body()).contains("FAILURE").contains("no money");
        assertThat(fx.busi.calls(gid)).hasSize(calls);
    }

    @Test
    void stepsAndCallbacksGetASqlBarrierForTheirBranchAndOp(@TempDir Path dir) throws Exception {
        String name = "wf-barrier";
        String gid = WorkflowFixture.gid(name);
        SQLiteDataSource db = new SQLiteDataSource();
        db.setUrl("jdbc:sqlite:" + dir.resolve("busi.db"));
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE barrier (id INTEGER PRIMARY KEY AUTOINCREMENT, trans_type TEXT, gid TEXT,"
                    + " branch_id TEXT, op TEXT, barrier_id TEXT, reason TEXT, create_time TEXT, update_time TEXT,"
                    + " UNIQUE (gid, branch_id, op, barrier_id))");
        }
        AtomicInteger applied = new AtomicInteger();
        AtomicInteger compensated = new AtomicInteger();
        AtomicReference<BranchIdentity> seen = new AtomicReference<>();
        fx.workflows.register(name, (wf, data) -> {
            wf.newBranch()
                    .onRollback(bb -> bb.withTable("barrier").callWithDb(db, tx -> compensated.incrementAndGet()));
            wf.doAction(bb -> {
                seen.set(wf.branchIdentity());
                bb.withTable("barrier").callWithDb(db, tx -> applied.incrementAndGet());
                return null;
            });
            wf.newBranch();
            wf.post(fx.busi.url("TransIn"), data);
            return null;
        });
        fx.busi.scriptFor(gid, "TransIn", Reply.FAILURE);

        assertThatThrownBy(() -> fx.workflows.execute(name, gid, fx.input())).isInstanceOf(DtmFailureException.class);

        assertThat(seen.get()).isEqualTo(new BranchIdentity("workflow", gid, "01", "action"));
        assertThat(applied).hasValue(1);
        assertThat(compensated).hasValue(1);
        List<String> rows = new ArrayList<>();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT trans_type, gid, branch_id, op, barrier_id FROM barrier ORDER BY id")) {
            while (rs.next()) {
                rows.add(String.join(
                        " ", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
            }
        }
        assertThat(rows).containsExactly("workflow " + gid + " 01 action 01", "workflow " + gid + " 01 rollback 01");
    }
}
