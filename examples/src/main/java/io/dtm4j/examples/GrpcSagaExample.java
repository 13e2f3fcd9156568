package io.dtm4j.examples;

/**
 * The saga of {@code http_saga} over gRPC: the application submits through the server's gRPC API,
 * and the server calls TransOut, then TransIn, of the gRPC bank service {@code trans.TransSvc}, each
 * inside the branch barrier (identity from the call's metadata).
 */
final class GrpcSagaExample implements Example {
    @Override
    public String name() {
        return "grpc_saga";
    }

    @Override
    public String summary() {
        return "saga over gRPC: the server calls trans.TransSvc/TransOut then TransIn, each in the barrier";
    }

    @Override
    public boolean grpc() {
        return true;
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = TransferRequest.ok().json(); // sent as its UTF-8 bytes
        GrpcBankService busi = ctx.grpcBusi();
        ctx.submit(() -> ctx.grpc()
                .saga(gid)
                .add(busi.url("TransOut"), busi.url("TransOutRevert"), payload)
                .add(busi.url("TransIn"), busi.url("TransInRevert"), payload)
                .waitResult(true)
                .submit());
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
