package io.dtm4j.client.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmDuplicatedException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.protocol.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The barrier's promises (docs/protocol.md §12, §19.3), held against every backend: a business
 * balance that barrier-guarded branch operations adjust. Each backend supplies the balance and one
 * adjustment whose business refuses (FAILURE, nothing written) when the account is missing or would
 * go below zero: the SQL barrier with a real table, Redis with {@code checkAdjustAmount}.
 */
abstract class BarrierContractTest {
    private static final long START = 100;

    /** Sets the balance of {@code account}, creating it if needed. */
    protected abstract void open(String account, long amount) throws Exception;

    /** Reads the balance of {@code account}. */
    protected abstract long balance(String account) throws Exception;

    /**
     * Adds {@code amount} to {@code account} as the operation {@code branch}, through a fresh barrier
     * object (one per request, as an RM does), throwing what the barrier throws.
     */
    protected abstract void adjust(BranchIdentity branch, String account, long amount);

    /** Answers the check-back of message {@code gid} whose local transaction adjusts {@code account}. */
    protected abstract void queryPrepared(String gid, String account);

    private String gid;
    private String account;

    @BeforeEach
    void openAccount(TestInfo test) throws Exception {
        String name = test.getTestMethod().orElseThrow().getName();
        gid = name + "-" + System.nanoTime();
        account = "acct-" + System.nanoTime();
        open(account, START);
    }

    static BranchIdentity tcc(String gid, String op) {
        return new BranchIdentity("tcc", gid, "01", op);
    }

    static BranchIdentity saga(String gid, String op) {
        return new BranchIdentity("saga", gid, "01", op);
    }

    static BranchIdentity msg(String gid) {
        return new BranchIdentity(Ops.MSG, gid, Ops.RESERVED_BRANCH_ID, Ops.MSG);
    }

    @Test
    void aRepeatedActionTakesEffectOnce() throws Exception {
        adjust(saga(gid, Ops.ACTION), account, -30);
        adjust(saga(gid, Ops.ACTION), account, -30);

        assertThat(balance(account)).isEqualTo(START - 30);
    }

    @Test
    void concurrentRepeatsOfATryTakeEffectOnce() throws Exception {
        concurrently(4, () -> adjust(tcc(gid, Ops.TRY), account, -30));

        assertThat(balance(account)).isEqualTo(START - 30);
    }

    @Test
    void aCompensationUndoesItsActionOnceHoweverOftenItComes() throws Exception {
        adjust(saga(gid, Ops.ACTION), account, -30);
        assertThat(balance(account)).isEqualTo(START - 30);

        adjust(saga(gid, Ops.COMPENSATE), account, 30);
        adjust(saga(gid, Ops.COMPENSATE), account, 30);
        assertThat(balance(account)).isEqualTo(START);
    }

    @Test
    void aCompensationWithoutItsActionHasNoEffect() throws Exception {
        adjust(saga(gid, Ops.COMPENSATE), account, 30);

        assertThat(balance(account)).isEqualTo(START);
    }

    @Test
    void anActionAfterItsCompensationHasNoEffect() throws Exception {
        adjust(tcc(gid, Ops.CANCEL), account, 30);
        assertThat(balance(account)).isEqualTo(START);

        adjust(tcc(gid, Ops.TRY), account, -30);
        assertThat(balance(account)).isEqualTo(START);
    }

    @Test
    void twoConcurrentCancelsThenALateTryHaveNoEffect() throws Exception {
        // TestTccBarrierDisorder: the try was delayed, the server timed out and cancelled at once, here 8
        // times, which also makes InnoDB pick deadlock victims among the barrier inserts
        concurrently(8, () -> adjust(tcc(gid, Ops.CANCEL), account, 30));
        assertThat(balance(account)).isEqualTo(START);

        adjust(tcc(gid, Ops.TRY), account, -30);
        assertThat(balance(account)).isEqualTo(START);

        // the server retries the cancel once more
        adjust(tcc(gid, Ops.CANCEL), account, 30);
        assertThat(balance(account)).isEqualTo(START);
    }

    @Test
    void aCancelUndoesOnlyTheTryOfItsOwnBranch() throws Exception {
        adjust(tcc(gid, Ops.TRY), account, -30);
        adjust(new BranchIdentity("tcc", gid, "02", Ops.TRY), account, -20);
        adjust(tcc(gid, Ops.CANCEL), account, 30);
        assertThat(balance(account)).isEqualTo(START - 20);

        // branch 03 never tried: its cancel is a null compensation
        adjust(new BranchIdentity("tcc", gid, "03", Ops.CANCEL), account, 30);
        assertThat(balance(account)).isEqualTo(START - 20);
    }

    @Test
    void aRefusedBusinessLeavesNoTraceSoARetryRuns() throws Exception {
        open(account, 10);

        assertThatThrownBy(() -> adjust(tcc(gid, Ops.TRY), account, -30)).isInstanceOf(DtmFailureException.class);
        assertThat(balance(account)).isEqualTo(10);

        open(account, 40);
        adjust(tcc(gid, Ops.TRY), account, -30);
        assertThat(balance(account)).isEqualTo(10);
    }

    @Test
    void aCheckBackBeforeTheLocalTransactionRollsTheMessageBack() throws Exception {
        assertThatThrownBy(() -> queryPrepared(gid, account)).isInstanceOf(DtmFailureException.class);

        assertThatThrownBy(() -> adjust(msg(gid), account, -30)).isInstanceOf(DtmDuplicatedException.class);
        assertThat(balance(account)).isEqualTo(START);
        // and the answer stays the same
        assertThatThrownBy(() -> queryPrepared(gid, account)).isInstanceOf(DtmFailureException.class);
    }

    @Test
    void aCheckBackAfterACommittedLocalTransactionSucceeds() throws Exception {
        adjust(msg(gid), account, -30);

        queryPrepared(gid, account);
        queryPrepared(gid, account);

        assertThat(balance(account)).isEqualTo(START - 30);
    }

    @Test
    void aLocalTransactionRefusedByItsBusinessIsRolledBackForTheCheckBack() throws Exception {
        open(account, 10);
        assertThatThrownBy(() -> adjust(msg(gid), account, -30)).isInstanceOf(DtmFailureException.class);

        assertThatThrownBy(() -> queryPrepared(gid, account)).isInstanceOf(DtmFailureException.class);
        assertThat(balance(account)).isEqualTo(10);
    }

    /** Runs {@code task} on {@code threads} threads released at the same moment; rethrows the first error. */
    static void concurrently(int threads, Runnable task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    task.run();
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
