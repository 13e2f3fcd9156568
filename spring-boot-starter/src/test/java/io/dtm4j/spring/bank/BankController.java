package io.dtm4j.spring.bank;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmOngoingException;
import io.dtm4j.spring.DtmBarrier;
import io.dtm4j.spring.DtmBranch;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Saga branches of a transfer from account 1 to account 2, each inside the barrier. */
@RestController
@RequestMapping("/bank")
public class BankController {
    /** A transfer; {@code failIn} makes TransIn refuse it (FAILURE). */
    public record Transfer(long amount, boolean failIn) {}

    private final DtmBarrier barrier;
    private final Accounts accounts;
    /** The x-tenant header of each branch call, as received. */
    private final List<String> tenants = new CopyOnWriteArrayList<>();

    public BankController(DtmBarrier barrier, Accounts accounts) {
        this.barrier = barrier;
        this.accounts = accounts;
    }

    /** The x-tenant headers received by TransOut (a method: the controller is a transactional proxy). */
    public List<String> tenants() {
        return tenants;
    }

    @PostMapping("/TransOut")
    @Transactional
    public void transOut(
            BranchIdentity branch,
            @RequestBody Transfer t,
            @RequestHeader(name = "x-tenant", required = false) String tenant) {
        tenants.add(String.valueOf(tenant));
        barrier.run(branch, () -> accounts.adjust(1, -t.amount()));
    }

    @PostMapping("/TransOutCompensate")
    @Transactional
    public void transOutCompensate(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> accounts.adjust(1, t.amount()));
    }

    @PostMapping("/TransIn")
    @Transactional
    public void transIn(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, tx -> {
            if (t.failIn()) {
                throw new io.dtm4j.client.DtmFailureException("TransIn refused, as asked");
            }
            accounts.adjust(2, t.amount());
        });
    }

    @PostMapping("/TransInCompensate")
    @Transactional
    public void transInCompensate(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> accounts.adjust(2, -t.amount()));
    }

    /** Moves the money, then fails with a plain error: the transaction must roll back, barrier row included. */
    @PostMapping("/TransOutBroken")
    @Transactional
    public void transOutBroken(BranchIdentity branch, @RequestBody Transfer t) {
        barrier.run(branch, () -> {
            accounts.adjust(1, -t.amount());
            throw new IllegalStateException("disk on fire");
        });
    }

    @PostMapping("/Busy")
    @DtmBranch
    public void busy() {
        throw new DtmOngoingException("not yet");
    }

    /** The message check-back. */
    @RequestMapping("/QueryPrepared")
    public void queryPrepared(BranchIdentity branch) {
        barrier.queryPrepared(branch.gid());
    }

    /** Not a branch handler: its errors are Spring's business. */
    @PostMapping("/plain")
    public void plain() {
        throw new io.dtm4j.client.DtmFailureException("plain handlers are not mapped");
    }
}
