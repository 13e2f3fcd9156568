package io.dtm4j.examples;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.Msg;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;

/**
 * What the check-back is for: the application prepares the message and commits its local
 * transaction, then stops before submitting, as if it had crashed. After the message's timeout the
 * server asks the bank's QueryPrepared, learns from the barrier row that the local transaction
 * committed, and delivers the message itself.
 */
final class MsgCheckBackExample implements Example {
    /** Seconds the server waits for the submit before it checks back; small, to keep the example short. */
    private static final long CHECK_BACK_AFTER = 3;

    @Override
    public String name() {
        return "http_msg_queryPrepared";
    }

    @Override
    public String summary() {
        return "two-phase message whose app stops before submit: the server's check-back finishes it";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        Bank bank = ctx.bank();
        Msg msg = ctx.dtm()
                .msg(gid)
                .add(ctx.busi().url("TransIn", true), TransferRequest.ok().json())
                .timeoutToFail(CHECK_BACK_AFTER);
        msg.prepare(ctx.busi().queryPreparedUrl());
        BranchBarrier.of(new BranchIdentity(TransType.MSG.wire(), gid, Ops.RESERVED_BRANCH_ID, Ops.MSG))
                .callWithDb(bank.dataSource(), tx -> {
                    Bank.adjustBalance(tx, BankService.FROM_USER, -TransferRequest.AMOUNT);
                    ctx.out().println("local transaction: transfer out " + TransferRequest.AMOUNT + " cents from 1");
                });
        ctx.out()
                .println("the application stops here without submitting; the server checks back after "
                        + CHECK_BACK_AFTER + " s ...");
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
