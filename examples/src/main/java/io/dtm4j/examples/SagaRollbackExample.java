package io.dtm4j.examples;

/**
 * A saga that rolls back: TransIn fails definitively, so the server runs the compensations in
 * reverse order. The barrier skips the compensation of TransIn, whose action never took effect
 * (a null compensation), and the balances end as they began.
 */
final class SagaRollbackExample implements Example {
    @Override
    public String name() {
        return "http_saga_rollback";
    }

    @Override
    public String summary() {
        return "saga: TransIn fails definitively -> compensations in reverse, balances unchanged (barrier)";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = TransferRequest.transInFails().json();
        BankService busi = ctx.busi();
        ctx.submit(() -> ctx.dtm()
                .saga(gid)
                .add(busi.url("TransOut", true), busi.url("TransOutCompensate", true), payload)
                .add(busi.url("TransIn", true), busi.url("TransInCompensate", true), payload)
                .waitResult(true)
                .submit());
        ctx.awaitStatus(gid, "failed");
        ctx.expectUnchanged();
    }
}
