package io.dtm4j.examples;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.Msg;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;

/**
 * A two-phase message: the local transaction takes the money from user 1, and the server then
 * calls TransIn until it succeeds. The message is prepared first and its local transaction writes
 * a barrier row, so that if this process died before submitting, the server's check-back
 * (QueryPrepared) could tell whether the local transaction committed.
 */
final class MsgExample implements Example {
    @Override
    public String name() {
        return "http_msg_doAndCommit";
    }

    @Override
    public String summary() {
        return "two-phase message: local TransOut committed with the message, then the server calls TransIn";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        Bank bank = ctx.bank();
        Msg msg = ctx.dtm()
                .msg(gid)
                .add(ctx.busi().url("TransIn", true), TransferRequest.ok().json())
                .waitResult(true);
        // prepare, run the local transaction with the message's barrier row, submit
        msg.prepare(ctx.busi().queryPreparedUrl());
        BranchBarrier.of(new BranchIdentity(TransType.MSG.wire(), gid, Ops.RESERVED_BRANCH_ID, Ops.MSG))
                .withTable(bank.barrierTable())
                .callWithDb(bank.dataSource(), tx -> {
                    Bank.adjustBalance(tx, BankService.FROM_USER, -TransferRequest.AMOUNT);
                    ctx.out().println("local transaction: transfer out " + TransferRequest.AMOUNT + " cents from 1");
                });
        ctx.submit(msg::submit);
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
