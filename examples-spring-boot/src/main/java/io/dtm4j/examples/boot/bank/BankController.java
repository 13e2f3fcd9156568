package io.dtm4j.examples.boot.bank;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.examples.boot.accounts.Accounts;
import io.dtm4j.spring.DtmBarrier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The branches of the transfer on this bank's user. Each runs in a Spring transaction with the
 * barrier, so a repeated call, a compensation without its action, or an action after its
 * compensation changes nothing. Errors need no code: {@code DtmFailureException} (insufficient
 * balance) is answered 409, anything else 500 and retried by the server.
 */
@RestController
@RequestMapping("/api/busi")
public class BankController {
    /** The body of every branch: the amount in cents. */
    public record Transfer(long amount) {}

    private final DtmBarrier barrier;
    private final Accounts accounts;
    private final int user;

    public BankController(DtmBarrier barrier, Accounts accounts, @Value("${bank.user}") int user) {
        this.barrier = barrier;
        this.accounts = accounts;
        this.user = user;
    }

    // saga

    @PostMapping("/TransOut")
    @Transactional
    public void transOut(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> move(-t.amount(), "transfer out %d cents"));
    }

    @PostMapping("/TransOutCompensate")
    @Transactional
    public void transOutCompensate(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> move(t.amount(), "compensate: give %d cents back"));
    }

    @PostMapping("/TransIn")
    @Transactional
    public void transIn(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> move(t.amount(), "transfer in %d cents"));
    }

    @PostMapping("/TransInCompensate")
    @Transactional
    public void transInCompensate(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> move(-t.amount(), "compensate: take %d cents back"));
    }

    // TCC: the try books the amount in trading_balance, confirm moves it into balance, cancel drops it

    @PostMapping("/TransOutTry")
    @Transactional
    public void transOutTry(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> trade(-t.amount(), "try: freeze %d cents"));
    }

    @PostMapping("/TransOutConfirm")
    @Transactional
    public void transOutConfirm(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> confirm(-t.amount(), "confirm: transfer out %d cents"));
    }

    @PostMapping("/TransOutCancel")
    @Transactional
    public void transOutCancel(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> trade(t.amount(), "cancel: unfreeze %d cents"));
    }

    @PostMapping("/TransInTry")
    @Transactional
    public void transInTry(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> trade(t.amount(), "try: book %d incoming cents"));
    }

    @PostMapping("/TransInConfirm")
    @Transactional
    public void transInConfirm(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> confirm(t.amount(), "confirm: transfer in %d cents"));
    }

    @PostMapping("/TransInCancel")
    @Transactional
    public void transInCancel(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> trade(-t.amount(), "cancel: drop the %d cents booked"));
    }

    /** The check-back of a two-phase message whose local transaction ran on this bank's database. */
    @RequestMapping("/QueryPrepared")
    public void queryPrepared(BranchIdentity branch) {
        barrier.queryPrepared(branch.gid());
        System.out.println("[bank " + user + "] check-back: the local transaction of " + branch.gid() + " committed");
    }

    private void move(long amount, String what) {
        accounts.adjustBalance(user, amount);
        System.out.println("[bank " + user + "] " + what.formatted(Math.abs(amount)));
    }

    private void trade(long amount, String what) {
        accounts.adjustTrading(user, amount);
        System.out.println("[bank " + user + "] " + what.formatted(Math.abs(amount)));
    }

    private void confirm(long amount, String what) {
        accounts.confirmTrading(user, amount);
        System.out.println("[bank " + user + "] " + what.formatted(Math.abs(amount)));
    }
}
