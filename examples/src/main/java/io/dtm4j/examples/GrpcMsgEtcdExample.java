package io.dtm4j.examples;

import io.dtm4j.client.Msg;
import java.io.IOException;

/**
 * The two-phase message of {@code grpc_msg} with service discovery: the gRPC bank registers in etcd
 * under {@code trans} (go-zero's layout), and the message's step is {@code
 * etcd://<etcd>/trans/trans.TransSvc/TransIn}, which the server resolves through etcd. This needs a
 * server with {@code MicroService.Driver: dtm-driver-gozero} and an etcd {@code Target} (see
 * docs/microservices.md). The application reaches the server directly ({@code --dtm-grpc}), and the
 * check-back keeps the bank's direct address, because the SDK calls it itself when the outcome of the
 * local commit is unknown, and the SDK does not resolve {@code etcd://}.
 */
final class GrpcMsgEtcdExample implements Example {
    /** The etcd key the bank registers under, go-zero's service name. */
    static final String SERVICE_KEY = "trans";

    @Override
    public String name() {
        return "grpc_msg_etcd";
    }

    @Override
    public String summary() {
        return "grpc_msg with the bank registered in etcd: the server finds TransIn through etcd://";
    }

    @Override
    public boolean grpc() {
        return true;
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        GrpcBankService busi = ctx.grpcBusi();
        EtcdRegistrar registration;
        try {
            registration = new EtcdRegistrar(ctx.etcd(), SERVICE_KEY, busi.address(), ctx.out());
        } catch (IOException e) {
            throw new ExampleFailedException("cannot register the bank in etcd: " + e.getMessage()
                    + "; start etcd, or pass its address with --etcd");
        }
        try (registration) {
            String transIn = "etcd://" + ctx.etcd() + "/" + SERVICE_KEY + "/" + GrpcBankService.SERVICE + "/TransIn";
            ctx.out().println("step: " + transIn);
            Msg msg = ctx.grpc()
                    .msg(gid)
                    .add(transIn, TransferRequest.ok().json())
                    .waitResult(true);
            GrpcMsgExample.transferOutAndSubmit(ctx, msg, busi.url("QueryPrepared"));
            ctx.awaitStatus(gid, "succeed");
            ctx.expectTransferred();
        }
    }
}
