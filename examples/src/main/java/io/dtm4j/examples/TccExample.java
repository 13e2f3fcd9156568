package io.dtm4j.examples;

/**
 * TCC: the application calls each bank's try itself (which books the amount in {@code
 * trading_balance}), then submits; the server calls every confirm, which moves the booked amount
 * into the balance. With the barrier, each try, confirm and cancel takes effect at most once.
 */
final class TccExample implements Example {
    private final boolean barrier;

    TccExample(boolean barrier) {
        this.barrier = barrier;
    }

    @Override
    public String name() {
        return barrier ? "http_tcc_barrier" : "http_tcc";
    }

    @Override
    public String summary() {
        return barrier
                ? "TCC: the app calls both tries, the server confirms; each op inside the branch barrier"
                : "TCC: the app calls the tries (booking in trading_balance), the server calls the confirms";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = TransferRequest.ok().json();
        BankService busi = ctx.busi();
        ctx.submit(() -> ctx.dtm().tccGlobalTransaction(gid, tcc -> tcc.waitResult(true), tcc -> {
            tcc.callBranch(
                    payload,
                    busi.url("TransOutTry", barrier),
                    busi.url("TransOutConfirm", barrier),
                    busi.url("TransOutCancel", barrier));
            tcc.callBranch(
                    payload,
                    busi.url("TransInTry", barrier),
                    busi.url("TransInConfirm", barrier),
                    busi.url("TransInCancel", barrier));
        }));
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
