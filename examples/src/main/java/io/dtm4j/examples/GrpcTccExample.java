package io.dtm4j.examples;

/**
 * The TCC of {@code http_tcc_barrier} over gRPC: the application registers each branch and calls
 * its try on the gRPC bank service itself, then submits through the server's gRPC API; the server
 * calls every confirm. Each try, confirm and cancel runs inside the branch barrier.
 */
final class GrpcTccExample implements Example {
    @Override
    public String name() {
        return "grpc_tcc";
    }

    @Override
    public String summary() {
        return "TCC over gRPC: the app calls trans.TransSvc's tries, the server calls the confirms";
    }

    @Override
    public boolean grpc() {
        return true;
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = TransferRequest.ok().json();
        GrpcBankService busi = ctx.grpcBusi();
        ctx.submit(() -> ctx.grpc().tccGlobalTransaction(gid, tcc -> tcc.waitResult(true), tcc -> {
            tcc.callBranch(payload, busi.url("TransOutTry"), busi.url("TransOutConfirm"), busi.url("TransOutCancel"));
            tcc.callBranch(payload, busi.url("TransInTry"), busi.url("TransInConfirm"), busi.url("TransInCancel"));
        }));
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
