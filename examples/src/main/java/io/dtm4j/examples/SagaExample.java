package io.dtm4j.examples;

/**
 * A saga that succeeds: the server calls TransOut, then TransIn. With the barrier, the same
 * endpoints run inside the branch barrier, so that a retried call cannot move the money twice.
 */
final class SagaExample implements Example {
    private final boolean barrier;

    SagaExample(boolean barrier) {
        this.barrier = barrier;
    }

    @Override
    public String name() {
        return barrier ? "http_saga_barrier" : "http_saga";
    }

    @Override
    public String summary() {
        return barrier
                ? "saga: TransOut then TransIn, each inside the branch barrier (idempotent)"
                : "saga: TransOut then TransIn; the server calls both in order";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = TransferRequest.ok().json();
        BankService busi = ctx.busi();
        ctx.submit(() -> ctx.dtm()
                .saga(gid)
                .add(busi.url("TransOut", barrier), busi.url("TransOutCompensate", barrier), payload)
                .add(busi.url("TransIn", barrier), busi.url("TransInCompensate", barrier), payload)
                .waitResult(true)
                .submit());
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
