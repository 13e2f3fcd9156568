package io.dtm4j.examples;

import io.dtm4j.client.Msg;

/**
 * The two-phase message of {@code http_msg_doAndCommit} over gRPC: the local transaction takes the
 * money from user 1 and commits together with the message, then the server calls the gRPC bank's
 * TransIn; QueryPrepared is the gRPC check-back, should the outcome of the local commit be unknown.
 */
final class GrpcMsgExample implements Example {
    @Override
    public String name() {
        return "grpc_msg";
    }

    @Override
    public String summary() {
        return "two-phase message over gRPC: local TransOut committed with the message, then trans.TransSvc/TransIn";
    }

    @Override
    public boolean grpc() {
        return true;
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        GrpcBankService busi = ctx.grpcBusi();
        Msg msg = ctx.grpc()
                .msg(gid)
                .add(busi.url("TransIn"), TransferRequest.ok().json())
                .waitResult(true);
        transferOutAndSubmit(ctx, msg, busi.url("QueryPrepared"));
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }

    /** The application's side of a message: its local transaction, committed with the message. */
    static void transferOutAndSubmit(ExampleContext ctx, Msg msg, String queryPrepared) {
        ctx.submit(() -> msg.doAndSubmitDb(queryPrepared, ctx.bank().dataSource(), tx -> {
            Bank.adjustBalance(tx, BankService.FROM_USER, -TransferRequest.AMOUNT);
            ctx.out().println("local transaction: transfer out " + TransferRequest.AMOUNT + " cents from 1");
        }));
    }
}
