package io.dtm4j.examples;

import io.dtm4j.client.DtmFailureException;

/**
 * TCC that rolls back: TransIn's try fails definitively, so the application aborts and the server
 * calls every registered cancel. The barrier skips the cancel of TransIn, whose try never took
 * effect (a null compensation); TransOut's cancel releases the frozen amount.
 */
final class TccRollbackExample implements Example {
    @Override
    public String name() {
        return "http_tcc_rollback";
    }

    @Override
    public String summary() {
        return "TCC: TransIn's try fails definitively -> the app aborts, the server cancels (barrier)";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = TransferRequest.transInFails().json();
        BankService busi = ctx.busi();
        try {
            ctx.dtm().tccGlobalTransaction(gid, tcc -> tcc.waitResult(true), tcc -> {
                tcc.callBranch(
                        payload,
                        busi.url("TransOutTry", true),
                        busi.url("TransOutConfirm", true),
                        busi.url("TransOutCancel", true));
                tcc.callBranch(
                        payload,
                        busi.url("TransInTry", true),
                        busi.url("TransInConfirm", true),
                        busi.url("TransInCancel", true));
            });
            throw new ExampleFailedException("the TCC transaction was submitted although TransIn's try failed");
        } catch (DtmFailureException e) {
            ctx.out().println("a try failed: the application aborted the transaction");
        }
        ctx.awaitStatus(gid, "failed");
        ctx.expectUnchanged();
    }
}
