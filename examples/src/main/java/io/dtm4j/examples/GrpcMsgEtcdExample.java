package io.dtm4j.examples;

import io.dtm4j.client.Msg;
import io.dtm4j.discovery.EtcdException;
import io.dtm4j.discovery.EtcdRegistration;
import io.dtm4j.discovery.EtcdTarget;

/**
 * The two-phase message of {@code grpc_msg} with service discovery: the gRPC bank registers in etcd
 * under {@code trans} (go-zero's layout), and both the message's step and its check-back are
 * {@code etcd://<etcd>/trans/trans.TransSvc/…} URLs. The server resolves them through etcd, and so
 * does the SDK when it calls the check-back itself because the outcome of the local commit is
 * unknown. This needs a server with {@code MicroService.Driver: dtm-driver-gozero} (see
 * docs/microservices.md). The application reaches the server at {@code --dtm-grpc}, or through etcd
 * too with {@code --dtm-target etcd://<etcd>/dtmservice} when the server registers itself there.
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
        return "grpc_msg with the bank registered in etcd: TransIn and the check-back go through etcd://";
    }

    @Override
    public boolean grpc() {
        return true;
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        GrpcBankService busi = ctx.grpcBusi();
        String service = "etcd://" + ctx.etcd() + "/" + SERVICE_KEY;
        EtcdRegistration registration;
        try {
            registration = EtcdRegistration.start(EtcdTarget.parse(service), busi.address());
        } catch (EtcdException | IllegalArgumentException e) {
            throw new ExampleFailedException("cannot register the bank in etcd: " + e.getMessage()
                    + "; start etcd, or pass its address with --etcd");
        }
        try (registration) {
            ctx.out()
                    .println("[bank] registered in etcd " + ctx.etcd() + ": " + registration.key() + " = "
                            + busi.address());
            String transIn = service + "/" + GrpcBankService.SERVICE + "/TransIn";
            String queryPrepared = service + "/" + GrpcBankService.SERVICE + "/QueryPrepared";
            ctx.out().println("step: " + transIn);
            ctx.out().println("check-back: " + queryPrepared);
            Msg msg = ctx.grpc()
                    .msg(gid)
                    .add(transIn, TransferRequest.ok().json())
                    .waitResult(true);
            GrpcMsgExample.transferOutAndSubmit(ctx, msg, queryPrepared);
            ctx.awaitStatus(gid, "succeed");
            ctx.expectTransferred();
        }
    }
}
