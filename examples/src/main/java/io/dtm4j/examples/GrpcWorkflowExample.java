package io.dtm4j.examples;

import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.workflow.Workflows;
import java.nio.charset.StandardCharsets;

/**
 * The workflow of {@code http_workflow} over gRPC: the engine talks to the server's gRPC API, and
 * each step is a recorded gRPC call of the bank service {@code trans.TransSvc}, TransOut then
 * TransIn, with TransOutRevert and TransInRevert registered as rollback callbacks before them. The
 * application serves {@code workflow.Workflow/Execute} on the bank's gRPC server: the server calls
 * it to resume a run that was interrupted (here each run finishes at once).
 */
final class GrpcWorkflowExample implements Example {
    private static final String WORKFLOW = "transfer";

    @Override
    public String name() {
        return "grpc_workflow";
    }

    @Override
    public String summary() {
        return "workflow over gRPC: Java code calls trans.TransSvc's TransOut then TransIn as recorded gRPC steps";
    }

    @Override
    public boolean grpc() {
        return true;
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        GrpcBankService busi = ctx.grpcBusi();
        Workflows workflows = Workflows.grpc(ctx.grpc(), busi.address());
        busi.host(workflows.grpcService()); // where the server resumes interrupted workflows
        workflows.register(WORKFLOW, (wf, data) -> {
            wf.newBranch().onRollback(barrier -> wf.invoke(busi.url("TransOutRevert"), data));
            ctx.out().println("workflow step " + wf.branchId() + ": " + busi.url("TransOut"));
            wf.invoke(busi.url("TransOut"), data);
            wf.newBranch().onRollback(barrier -> wf.invoke(busi.url("TransInRevert"), data));
            ctx.out().println("workflow step " + wf.branchId() + ": " + busi.url("TransIn"));
            wf.invoke(busi.url("TransIn"), data);
            return null;
        });

        String gid = ctx.newGid();
        byte[] transfer = TransferRequest.ok().json().getBytes(StandardCharsets.UTF_8); // the bank's request bytes
        try {
            workflows.execute(WORKFLOW, gid, transfer);
            ctx.out().println("workflow finished: SUCCESS");
        } catch (DtmFailureException e) {
            ctx.out().println("workflow finished: FAILURE, rolled back (" + e.getMessage() + ")");
        }
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
