package io.dtm4j.examples;

import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.client.xa.XaLocalTransaction;
import io.dtm4j.protocol.Ops;
import java.io.IOException;
import java.io.PrintStream;
import java.sql.Connection;

/**
 * The business service of the transfer, running in-process: user 1's bank sends money (TransOut),
 * user 2's bank receives it (TransIn). Every operation exists twice: at {@code /api/busi/<name>} it
 * simply runs in a local transaction, at {@code /api/busi/barrier/<name>} it runs inside the branch
 * barrier, which makes repeated calls, null compensations and hanging actions harmless. The XA
 * branches live at {@code /api/busi/xa/<name>}.
 */
final class BankService implements AutoCloseable {
    static final int FROM_USER = 1;
    static final int TO_USER = 2;

    /** One operation on the business database, inside the caller's local transaction. */
    @FunctionalInterface
    private interface Operation {
        void apply(TransferRequest transfer, Connection tx) throws Exception;
    }

    private final Bank bank;
    private final PrintStream out;
    private final BusinessServer http;

    /** Starts the service on a free loopback port. */
    BankService(Bank bank, PrintStream out) throws IOException {
        this.bank = bank;
        this.out = out;
        this.http = new BusinessServer();
        // saga: actions and compensations
        both("TransOut", (t, tx) -> move(tx, FROM_USER, -t.amount(), "transfer out %d cents from 1"));
        both(
                "TransOutCompensate",
                (t, tx) -> move(tx, FROM_USER, t.amount(), "compensate: transfer %d cents back to 1"));
        both("TransIn", (t, tx) -> {
            failIfAsked(t, "TransIn");
            move(tx, TO_USER, t.amount(), "transfer in %d cents to 2");
        });
        both("TransInCompensate", (t, tx) -> move(tx, TO_USER, -t.amount(), "compensate: take %d cents back from 2"));
        // TCC: the try books the amount in trading_balance; confirm moves it into balance; cancel drops it
        both("TransOutTry", (t, tx) -> trade(tx, FROM_USER, -t.amount(), "try: freeze %d cents of 1"));
        both(
                "TransOutConfirm",
                (t, tx) -> confirm(tx, FROM_USER, -t.amount(), "confirm: transfer out %d cents from 1"));
        both("TransOutCancel", (t, tx) -> trade(tx, FROM_USER, t.amount(), "cancel: unfreeze %d cents of 1"));
        both("TransInTry", (t, tx) -> {
            failIfAsked(t, "TransInTry");
            trade(tx, TO_USER, t.amount(), "try: book %d incoming cents for 2");
        });
        both("TransInConfirm", (t, tx) -> confirm(tx, TO_USER, t.amount(), "confirm: transfer in %d cents to 2"));
        both("TransInCancel", (t, tx) -> trade(tx, TO_USER, -t.amount(), "cancel: drop the %d cents booked for 2"));
        // XA: phase one does the work in a local transaction left prepared; phase two commits or rolls it back
        xa("TransOut", (t, tx) -> move(tx, FROM_USER, -t.amount(), "xa: transfer out %d cents from 1, prepared"));
        xa("TransIn", (t, tx) -> {
            failIfAsked(t, "TransIn");
            move(tx, TO_USER, t.amount(), "xa: transfer in %d cents to 2, prepared");
        });
        // msg: the server's check-back when it does not know whether the local transaction committed
        http.route("QueryPrepared", r -> {
            String gid = r.query().getOrDefault("gid", "");
            try {
                BranchBarrier.queryPrepared(bank.dataSource(), gid);
                out.println("[bank] check-back: the local transaction of " + gid + " committed");
            } catch (DtmFailureException e) {
                out.println("[bank] check-back: the local transaction of " + gid + " did not commit");
                throw e;
            }
        });
    }

    /** Returns the URL of operation {@code name}; with {@code barrier}, of its barrier variant. */
    String url(String name, boolean barrier) {
        return http.url((barrier ? "barrier/" : "") + name);
    }

    /** Serves an endpoint of the application itself at {@link #appUrl}, e.g. the workflow resume callback. */
    void serve(String name, BusinessServer.Handler handler) {
        http.route(name, handler);
    }

    /** Returns the URL of the application's endpoint {@code name}. */
    String appUrl(String name) {
        return http.url(name);
    }

    /** Returns the URL of the message check-back. */
    String queryPreparedUrl() {
        return http.url("QueryPrepared");
    }

    private void both(String name, Operation operation) {
        http.route(name, r -> {
            TransferRequest transfer = TransferRequest.parse(r.body());
            bank.inTransaction(tx -> operation.apply(transfer, tx));
        });
        http.route("barrier/" + name, r -> {
            TransferRequest transfer = TransferRequest.parse(r.body());
            BranchBarrier barrier = bank.barrier(r.query());
            boolean[] ran = {false};
            barrier.callWithDb(bank.dataSource(), tx -> {
                operation.apply(transfer, tx);
                ran[0] = true;
            });
            if (!ran[0]) {
                var b = barrier.branch();
                out.println("[bank] barrier: skipped " + name + " (" + b.op() + " of branch " + b.branchId()
                        + "): already done, or nothing to undo, or too late after its undo");
            }
        });
    }

    private void xa(String name, Operation operation) {
        XaLocalTransaction xa = XaLocalTransaction.of(bank.dataSource());
        http.route("xa/" + name, r -> {
            // phase two carries no transfer: only phase one calls the business, and parses the body
            xa.handle(r.query(), tx -> operation.apply(TransferRequest.parse(r.body()), tx));
            String op = r.query().getOrDefault("op", "");
            if (!op.equals(Ops.ACTION)) {
                out.println("[bank] xa: " + op + " " + name + " of branch "
                        + r.query().get("branch_id"));
            }
        });
    }

    /** Returns the URL of the XA branch {@code name}. */
    String xaUrl(String name) {
        return http.url("xa/" + name);
    }

    private void move(Connection tx, int user, long amount, String what) throws Exception {
        Bank.adjustBalance(tx, user, amount);
        out.println("[bank] " + what.formatted(Math.abs(amount)));
    }

    private void trade(Connection tx, int user, long amount, String what) throws Exception {
        Bank.adjustTrading(tx, user, amount);
        out.println("[bank] " + what.formatted(Math.abs(amount)));
    }

    private void confirm(Connection tx, int user, long amount, String what) throws Exception {
        Bank.confirmTrading(tx, user, amount);
        out.println("[bank] " + what.formatted(Math.abs(amount)));
    }

    private void failIfAsked(TransferRequest transfer, String name) {
        if (transfer.transInMustFail()) {
            out.println("[bank] " + name + " to 2 fails definitively (FAILURE), as this example asks");
            throw new DtmFailureException(name + " refused: FAILURE asked by the request");
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
