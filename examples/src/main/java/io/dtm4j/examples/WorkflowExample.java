package io.dtm4j.examples;

import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.workflow.Workflows;
import java.nio.charset.StandardCharsets;

/**
 * A workflow: ordinary Java code calls TransOut, then TransIn, each as a recorded branch; before
 * each call it registers the compensation to run if the workflow fails. In the rollback variant
 * TransIn fails definitively, so the workflow runs TransOut's compensation (the failed TransIn has
 * nothing to undo) and fails. The server calls the application's resume endpoint only if a run is
 * interrupted; here each run finishes at once.
 */
final class WorkflowExample implements Example {
    private static final String WORKFLOW = "transfer";

    private final boolean rollback;

    WorkflowExample(boolean rollback) {
        this.rollback = rollback;
    }

    @Override
    public String name() {
        return rollback ? "http_workflow_rollback" : "http_workflow";
    }

    @Override
    public String summary() {
        return rollback
                ? "workflow: TransIn fails definitively -> TransOut's rollback callback runs, balances unchanged"
                : "workflow: Java code calls TransOut then TransIn as recorded branches";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        BankService busi = ctx.busi();
        Workflows workflows = Workflows.http(ctx.dtm(), busi.appUrl("workflow/resume"));
        // the server resumes an interrupted workflow through this endpoint, which runs it again
        busi.serve(
                "workflow/resume",
                r -> workflows.executeByQuery(r.query(), r.body().getBytes(StandardCharsets.UTF_8)));
        workflows.register(WORKFLOW, (wf, data) -> {
            wf.newBranch().onRollback(barrier -> wf.post(busi.url("TransOutCompensate", true), data));
            wf.post(busi.url("TransOut", true), data);
            wf.newBranch().onRollback(barrier -> wf.post(busi.url("TransInCompensate", true), data));
            wf.post(busi.url("TransIn", true), data);
            return null;
        });

        String gid = ctx.newGid();
        TransferRequest transfer = rollback ? TransferRequest.transInFails() : TransferRequest.ok();
        try {
            workflows.execute(WORKFLOW, gid, transfer.json().getBytes(StandardCharsets.UTF_8));
            ctx.out().println("workflow finished: SUCCESS");
        } catch (DtmFailureException e) {
            ctx.out().println("workflow finished: FAILURE, rolled back");
        }
        ctx.awaitStatus(gid, rollback ? "failed" : "succeed");
        if (rollback) {
            ctx.expectUnchanged();
        } else {
            ctx.expectTransferred();
        }
    }
}
