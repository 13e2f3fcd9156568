package io.dtm4j.examples;

import io.dtm4j.client.Msg;

/**
 * A two-phase message: the local transaction takes the money from user 1 and commits together with
 * the message ({@code doAndSubmitDb}: prepare, local transaction with the message's barrier row,
 * submit); the server then calls TransIn until it succeeds. Had this process died before
 * submitting, the server's check-back (QueryPrepared) would find the barrier row and submit.
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
        ctx.submit(() -> msg.doAndSubmitDb(ctx.busi().queryPreparedUrl(), bank.dataSource(), tx -> {
            Bank.adjustBalance(tx, BankService.FROM_USER, -TransferRequest.AMOUNT);
            ctx.out().println("local transaction: transfer out " + TransferRequest.AMOUNT + " cents from 1");
        }));
        ctx.awaitStatus(gid, "succeed");
        ctx.expectTransferred();
    }
}
