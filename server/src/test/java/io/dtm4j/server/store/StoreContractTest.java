package io.dtm4j.server.store;

import static io.dtm4j.protocol.TransStatus.ABORTING;
import static io.dtm4j.protocol.TransStatus.FAILED;
import static io.dtm4j.protocol.TransStatus.PREPARED;
import static io.dtm4j.protocol.TransStatus.SUBMITTED;
import static io.dtm4j.protocol.TransStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.store.Store.AppendResult;
import io.dtm4j.server.store.Store.ResetResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour every {@link Store} must have. Each store implementation extends this class and
 * supplies a fresh, empty store per test. Times are whole seconds, because dtm's SQL tables keep
 * second precision.
 */
public abstract class StoreContractTest {

    /** The scheduler's retry interval used by the claim scenarios. */
    protected static final Duration RETRY = Duration.ofSeconds(10);

    protected final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    protected Store store;

    /** Returns a new, empty store; the test closes it. */
    protected abstract Store createStore();

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    // ---- fixtures

    protected GlobalTrans global(String gid, TransStatus status, Instant nextCronTime) {
        return global(gid, TransType.SAGA, status, now, nextCronTime);
    }

    protected GlobalTrans global(
            String gid, TransType type, TransStatus status, Instant createTime, Instant nextCronTime) {
        return new GlobalTrans(
                0,
                gid,
                type,
                status,
                "",
                "http",
                createTime,
                createTime,
                null,
                null,
                "{\"concurrent\":false}",
                "",
                RETRY.toSeconds(),
                nextCronTime,
                "api-round",
                "",
                "",
                "");
    }

    protected BranchOp branch(String gid, String branchId, String op) {
        return BranchOp.create(
                gid,
                branchId,
                op,
                "http://localhost:8081/api/" + op,
                ("{\"branch\":\"" + branchId + "\"}").getBytes(StandardCharsets.UTF_8),
                now);
    }

    protected void save(GlobalTrans global, BranchOp... branches) {
        assertThat(store.saveNew(global, List.of(branches))).isTrue();
    }

    protected GlobalTrans stored(String gid) {
        return store.findGlobal(gid).orElseThrow();
    }

    private static List<String> gids(List<GlobalTrans> globals) {
        return globals.stream().map(GlobalTrans::gid).toList();
    }

    private static List<String> keys(List<BranchOp> ops) {
        return ops.stream().map(b -> b.branchId() + "/" + b.op()).toList();
    }

    // ---- ping, find, saveNew

    @Test
    void pingAnswersOnAFreshStore() {
        store.ping();
    }

    @Test
    void findGlobalReturnsEmptyForAnUnknownGid() {
        assertThat(store.findGlobal("nobody")).isEmpty();
        assertThat(store.findBranches("nobody")).isEmpty();
    }

    @Test
    void saveNewStoresEveryFieldOfTheGlobalAndItsBranches() {
        GlobalTrans g = new GlobalTrans(
                0,
                "g1",
                TransType.MSG,
                PREPARED,
                "http://localhost/query",
                "grpc",
                now,
                now.plusSeconds(1),
                null,
                null,
                "{\"concurrent\":true}",
                "custom",
                7,
                now.plusSeconds(7),
                "",
                "{\"headers\":{\"a\":\"b\"}}",
                "",
                "");
        save(g, branch("g1", "01", "action"));

        GlobalTrans found = stored("g1");
        assertThat(found.id()).isPositive();
        assertThat(found).usingRecursiveComparison().ignoringFields("id").isEqualTo(g);

        List<BranchOp> branches = store.findBranches("g1");
        assertThat(branches).hasSize(1);
        BranchOp b = branches.getFirst();
        assertThat(b.id()).isPositive();
        assertThat(b.gid()).isEqualTo("g1");
        assertThat(b.url()).isEqualTo("http://localhost:8081/api/action");
        assertThat(new String(b.binData(), StandardCharsets.UTF_8)).isEqualTo("{\"branch\":\"01\"}");
        assertThat(b.status()).isEqualTo(PREPARED);
        assertThat(b.createTime()).isEqualTo(now);
        assertThat(b.updateTime()).isEqualTo(now);
        assertThat(b.finishTime()).isNull();
        assertThat(b.rollbackTime()).isNull();
    }

    @Test
    void saveNewRefusesAnExistingGidAndWritesNothing() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));

        boolean saved =
                store.saveNew(global("g1", PREPARED, now.plusSeconds(99)), List.of(branch("g1", "02", "action")));

        assertThat(saved).isFalse();
        assertThat(stored("g1").status()).isEqualTo(SUBMITTED);
        assertThat(stored("g1").nextCronTime()).isEqualTo(now);
        assertThat(keys(store.findBranches("g1"))).containsExactly("01/action");
    }

    @Test
    void saveNewAcceptsATransactionWithoutBranches() {
        save(global("g1", PREPARED, now));
        assertThat(store.findBranches("g1")).isEmpty();
    }

    @Test
    void findBranchesReturnsRowsInInsertionOrder() {
        save(
                global("g1", SUBMITTED, now),
                branch("g1", "02", "compensate"),
                branch("g1", "02", "action"),
                branch("g1", "01", "compensate"),
                branch("g1", "01", "action"));

        assertThat(keys(store.findBranches("g1")))
                .containsExactly("02/compensate", "02/action", "01/compensate", "01/action");
    }

    @Test
    void branchesOfOneTransactionAreNotMixedWithAnother() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));
        save(global("g2", SUBMITTED, now), branch("g2", "01", "action"), branch("g2", "02", "action"));

        assertThat(keys(store.findBranches("g1"))).containsExactly("01/action");
        assertThat(keys(store.findBranches("g2"))).containsExactly("01/action", "02/action");
    }

    // ---- appendBranches

    @Test
    void appendBranchesAddsRowsAfterTheExistingOnes() {
        save(global("g1", PREPARED, now), branch("g1", "01", "try"));

        AppendResult result = store.appendBranches(
                "g1", PREPARED, List.of(branch("g1", "02", "confirm"), branch("g1", "02", "cancel")));

        assertThat(result).isEqualTo(AppendResult.APPENDED);
        assertThat(keys(store.findBranches("g1"))).containsExactly("01/try", "02/confirm", "02/cancel");
    }

    @Test
    void appendBranchesRefusesAnUnexpectedStatusAndWritesNothing() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "try"));

        AppendResult result = store.appendBranches("g1", PREPARED, List.of(branch("g1", "02", "try")));

        assertThat(result).isEqualTo(AppendResult.STATUS_MISMATCH);
        assertThat(keys(store.findBranches("g1"))).containsExactly("01/try");
    }

    @Test
    void appendBranchesRefusesAnUnknownGidAndWritesNothing() {
        AppendResult result = store.appendBranches("nobody", PREPARED, List.of(branch("nobody", "01", "try")));

        assertThat(result).isEqualTo(AppendResult.STATUS_MISMATCH);
        assertThat(store.findBranches("nobody")).isEmpty();
    }

    @Test
    void appendBranchesRefusesAStoredDuplicateAndWritesNothing() {
        save(global("g1", PREPARED, now), branch("g1", "01", "try"));

        AppendResult result =
                store.appendBranches("g1", PREPARED, List.of(branch("g1", "02", "try"), branch("g1", "01", "try")));

        assertThat(result).isEqualTo(AppendResult.DUPLICATE);
        assertThat(keys(store.findBranches("g1"))).containsExactly("01/try");
    }

    @Test
    void appendBranchesRefusesADuplicateWithinTheNewRowsAndWritesNothing() {
        save(global("g1", PREPARED, now));

        AppendResult result =
                store.appendBranches("g1", PREPARED, List.of(branch("g1", "01", "try"), branch("g1", "01", "try")));

        assertThat(result).isEqualTo(AppendResult.DUPLICATE);
        assertThat(store.findBranches("g1")).isEmpty();
    }

    @Test
    void appendBranchesAcceptsTheSameBranchIdWithAnotherOp() {
        save(global("g1", PREPARED, now), branch("g1", "01", "try"));

        assertThat(store.appendBranches("g1", PREPARED, List.of(branch("g1", "01", "confirm"))))
                .isEqualTo(AppendResult.APPENDED);
    }

    // ---- retention

    @Test
    void deleteFinishedRemovesOnlyOldFinishedTransactionsWithTheirBranches() {
        save(global("old-ok", SUCCEED, now), branch("old-ok", "01", "action"));
        save(global("old-failed", FAILED, now), branch("old-failed", "01", "action"));
        save(global("old-running", SUBMITTED, now), branch("old-running", "01", "action"));
        save(global("new-ok", SUCCEED, now.plusSeconds(100)), branch("new-ok", "01", "action"));
        store.touchCronTime("new-ok", SUCCEED, null, 10, now.plusSeconds(100), now.plusSeconds(100));

        assertThat(store.deleteFinished(now.plusSeconds(50), 10)).isEqualTo(2);

        assertThat(store.findGlobal("old-ok")).isEmpty();
        assertThat(store.findBranches("old-ok")).isEmpty();
        assertThat(store.findGlobal("old-failed")).isEmpty();
        assertThat(store.findGlobal("old-running")).isPresent();
        assertThat(store.findBranches("old-running")).hasSize(1);
        assertThat(store.findGlobal("new-ok")).isPresent();
    }

    @Test
    void deleteFinishedWorksInBatchesOfTheGivenSize() {
        for (int i = 0; i < 5; i++) {
            save(global("done-" + i, SUCCEED, now));
        }
        assertThat(store.deleteFinished(now.plusSeconds(1), 2)).isEqualTo(2);
        assertThat(store.deleteFinished(now.plusSeconds(1), 2)).isEqualTo(2);
        assertThat(store.deleteFinished(now.plusSeconds(1), 2)).isEqualTo(1);
        assertThat(store.deleteFinished(now.plusSeconds(1), 2)).isZero();
    }

    // ---- fencing: writes conditional on the claim token

    @Test
    void aClaimFencesEveryWriteOfTheRoundThatOwnedTheTransactionBefore() {
        save(global("g1", SUBMITTED, now.minusSeconds(1)), branch("g1", "01", "action"));
        String token = store.claimDue(now, now.plus(RETRY), "claim-1", 10, now)
                .getFirst()
                .owner();
        assertThat(token).isEqualTo("claim-1");

        assertThat(store.touchCronTime("g1", SUBMITTED, "api-round", 20, now.plusSeconds(20), now))
                .isFalse();
        assertThat(store.updateBranchStatus("g1", "01", "action", SUCCEED, now, "api-round"))
                .isFalse();
        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, now, "api-round");
        var stale = new StatusChange(SUBMITTED, ABORTING, now, "stale", null, "api-round", null);
        assertThat(store.changeGlobalStatus("g1", stale)).isFalse();

        assertThat(stored("g1").status()).isEqualTo(SUBMITTED);
        assertThat(stored("g1").nextCronTime()).isEqualTo(now.plus(RETRY));
        assertThat(store.findBranches("g1").getFirst().status()).isEqualTo(PREPARED);
    }

    @Test
    void theCurrentOwnerWritesAndAStatusChangeCanTakeTheClaim() {
        save(global("g1", PREPARED, now), branch("g1", "01", "action"));
        var take = new StatusChange(PREPARED, SUBMITTED, now, null, null, "api-round", "round-2");
        assertThat(store.changeGlobalStatus("g1", take)).isTrue();
        assertThat(stored("g1").owner()).isEqualTo("round-2");

        assertThat(store.updateBranchStatus("g1", "01", "action", SUCCEED, now, "round-2"))
                .isTrue();
        assertThat(store.touchCronTime("g1", SUBMITTED, "round-2", 20, now.plusSeconds(20), now))
                .isTrue();
        assertThat(store.changeGlobalStatus(
                        "g1", new StatusChange(SUBMITTED, SUCCEED, now, null, null, "round-2", null)))
                .isTrue();
    }

    // ---- updateBranchStatus

    @Test
    void updateBranchStatusToSucceedSetsTheFinishTime() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"), branch("g1", "02", "action"));
        Instant later = now.plusSeconds(5);

        assertThat(store.updateBranchStatus("g1", "01", "action", SUCCEED, later, null))
                .isTrue();

        List<BranchOp> branches = store.findBranches("g1");
        BranchOp done = branches.get(0);
        assertThat(done.status()).isEqualTo(SUCCEED);
        assertThat(done.finishTime()).isEqualTo(later);
        assertThat(done.rollbackTime()).isNull();
        assertThat(done.updateTime()).isEqualTo(later);
        assertThat(done.createTime()).isEqualTo(now);
        assertThat(branches.get(1).status()).isEqualTo(PREPARED);
    }

    @Test
    void orderedBranchUpdatesAreDurableOnceALaterWriteReturns() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"), branch("g1", "02", "action"));
        Instant later = now.plusSeconds(5);

        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, later, null);
        store.updateBranchStatusOrdered("g1", "02", "action", SUCCEED, later, null);
        assertThat(store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, SUCCEED, later)))
                .isTrue();

        assertThat(store.findBranches("g1")).extracting(BranchOp::status).containsExactly(SUCCEED, SUCCEED);
    }

    @Test
    void orderedBranchWritesAreWrittenWithTheNextFencedWriteOfTheirGid() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"), branch("g1", "02", "action"));
        Instant later = now.plusSeconds(5);

        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, later, "api-round");
        assertThat(store.touchCronTime("g1", SUBMITTED, "api-round", 20, now.plusSeconds(20), later))
                .isTrue();
        BranchOp first = store.findBranches("g1").getFirst();
        assertThat(first.status()).isEqualTo(SUCCEED);
        assertThat(first.finishTime()).isEqualTo(later);

        store.updateBranchStatusOrdered("g1", "02", "action", FAILED, later, "api-round");
        assertThat(store.changeGlobalStatus(
                        "g1", new StatusChange(SUBMITTED, ABORTING, later, "r", null, "api-round", null)))
                .isTrue();
        BranchOp second = store.findBranches("g1").get(1);
        assertThat(second.status()).isEqualTo(FAILED);
        assertThat(second.rollbackTime()).isEqualTo(later);
    }

    @Test
    void aFencedOutStatusWriteDoesNotApplyTheOrderedBranchWritesOfTheLostRound() {
        save(global("g1", SUBMITTED, now.minusSeconds(1)), branch("g1", "01", "action"), branch("g1", "02", "action"));
        assertThat(store.claimDue(now, now.plus(RETRY), "claim-1", 10, now)).hasSize(1);

        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, now, "api-round");
        var stale = new StatusChange(SUBMITTED, SUCCEED, now, null, null, "api-round", null);
        assertThat(store.changeGlobalStatus("g1", stale)).isFalse();
        store.flush();
        // the new owner's write does not apply the old round's writes either
        store.updateBranchStatusOrdered("g1", "02", "action", SUCCEED, now, "api-round");
        assertThat(store.touchCronTime("g1", SUBMITTED, "claim-1", 20, now.plusSeconds(20), now))
                .isTrue();
        store.flush();

        assertThat(stored("g1").status()).isEqualTo(SUBMITTED);
        assertThat(store.findBranches("g1")).extracting(BranchOp::status).containsExactly(PREPARED, PREPARED);
    }

    @Test
    void orderedBranchWritesOfTheCurrentOwnerSurviveAStatusWriteThatLostOnTheStatusOnly() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));
        assertThat(store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, FAILED, now)))
                .isTrue(); // an admin forceStop: the owner stays

        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, now, "api-round");
        var late = new StatusChange(SUBMITTED, SUCCEED, now, null, null, "api-round", null);
        assertThat(store.changeGlobalStatus("g1", late)).isFalse();

        assertThat(stored("g1").status()).isEqualTo(FAILED);
        assertThat(store.findBranches("g1").getFirst().status()).isEqualTo(SUCCEED);
    }

    @Test
    void flushWritesTheOrderedBranchWritesOfEveryGid() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"), branch("g1", "02", "action"));
        save(global("g2", SUBMITTED, now), branch("g2", "01", "action"));

        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, now, "api-round");
        store.updateBranchStatusOrdered("g1", "02", "action", FAILED, now, "api-round");
        store.updateBranchStatusOrdered("g2", "01", "action", SUCCEED, now, null);
        store.flush();

        assertThat(store.findBranches("g1")).extracting(BranchOp::status).containsExactly(SUCCEED, FAILED);
        assertThat(store.findBranches("g2")).extracting(BranchOp::status).containsExactly(SUCCEED);
        assertThat(stored("g1").status()).isEqualTo(SUBMITTED);
    }

    @Test
    void orderedWritesOfOneBranchApplyInTheOrderTheyWereIssued() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));

        store.updateBranchStatusOrdered("g1", "01", "action", FAILED, now, "api-round");
        store.updateBranchStatusOrdered("g1", "01", "action", SUCCEED, now.plusSeconds(1), "api-round");
        assertThat(store.updateBranchStatus("g1", "01", "action", SUCCEED, now.plusSeconds(2), "api-round"))
                .isTrue();

        BranchOp b = store.findBranches("g1").getFirst();
        assertThat(b.status()).isEqualTo(SUCCEED);
        assertThat(b.updateTime()).isEqualTo(now.plusSeconds(2));
        assertThat(b.rollbackTime()).isEqualTo(now);
    }

    @Test
    void aFinalStatusWriteCarriesThePendingBranchWritesOfEveryBranchOfItsRound() throws Exception {
        int branches = 6;
        BranchOp[] rows = new BranchOp[branches];
        for (int i = 0; i < branches; i++) {
            rows[i] = branch("g1", "%02d".formatted(i + 1), "action");
        }
        save(global("g1", SUBMITTED, now.plus(RETRY)), rows);

        // concurrent branches of one round record their results from their own threads
        List<Thread> calls = new ArrayList<>();
        for (BranchOp b : rows) {
            calls.add(Thread.ofVirtual()
                    .start(() -> store.updateBranchStatusOrdered(
                            "g1", b.branchId(), "action", SUCCEED, now.plusSeconds(1), "api-round")));
        }
        for (Thread t : calls) {
            t.join();
        }
        var finish = new StatusChange(SUBMITTED, SUCCEED, now.plusSeconds(1), null, null, "api-round", null);
        assertThat(store.changeGlobalStatus("g1", finish)).isTrue();

        Store.StoredTrans read = store.findTrans("g1").orElseThrow();
        assertThat(read.global().status()).isEqualTo(SUCCEED);
        assertThat(read.branches())
                .extracting(BranchOp::status)
                .containsOnly(SUCCEED)
                .hasSize(branches);
    }

    /**
     * What the query API shows: a transaction read while rounds finish is never finished with branch
     * rows from before its final write. Rounds write like a saga's: ordered branch writes from several
     * threads, then the final status; readers poll every transaction meanwhile.
     */
    @Test
    void aTransactionIsNeverReadFinishedWithBranchRowsOlderThanItsFinalWrite() throws Exception {
        int count = 120;
        int steps = 3;
        List<String> gids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String gid = "race" + i;
            gids.add(gid);
            BranchOp[] rows = new BranchOp[steps];
            for (int b = 0; b < steps; b++) {
                rows[b] = branch(gid, "%02d".formatted(b + 1), "action");
            }
            save(global(gid, SUBMITTED, now.plus(RETRY)), rows);
        }
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        Queue<String> torn = new ConcurrentLinkedQueue<>();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    for (String gid : gids) {
                        store.findTrans(gid).ifPresent(t -> {
                            boolean stale = t.branches().stream().anyMatch(b -> b.status() != SUCCEED);
                            if (t.global().status() == SUCCEED && stale) {
                                torn.add(gid + " "
                                        + t.branches().stream()
                                                .map(BranchOp::status)
                                                .toList());
                            }
                        });
                    }
                }
            }));
        }
        try (var rounds = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            for (String gid : gids) {
                rounds.submit(() -> {
                    List<Thread> calls = new ArrayList<>();
                    for (int b = 0; b < steps; b++) {
                        String branchId = "%02d".formatted(b + 1);
                        calls.add(Thread.ofVirtual()
                                .start(() -> store.updateBranchStatusOrdered(
                                        gid, branchId, "action", SUCCEED, now, "api-round")));
                    }
                    for (Thread t : calls) {
                        t.join();
                    }
                    var finish = new StatusChange(SUBMITTED, SUCCEED, now, null, null, "api-round", null);
                    assertThat(store.changeGlobalStatus(gid, finish)).isTrue();
                    return null;
                });
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }

        assertThat(torn)
                .as("finished transactions read with unfinished branch rows")
                .isEmpty();
        for (String gid : gids) {
            assertThat(store.findBranches(gid)).extracting(BranchOp::status).containsOnly(SUCCEED);
        }
    }

    @Test
    void updateBranchStatusToFailedSetsTheRollbackTime() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));
        Instant later = now.plusSeconds(5);

        assertThat(store.updateBranchStatus("g1", "01", "action", FAILED, later, null))
                .isTrue();

        BranchOp failed = store.findBranches("g1").getFirst();
        assertThat(failed.status()).isEqualTo(FAILED);
        assertThat(failed.rollbackTime()).isEqualTo(later);
        assertThat(failed.finishTime()).isNull();
    }

    @Test
    void updateBranchStatusReturnsFalseForAMissingRow() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));

        assertThat(store.updateBranchStatus("g1", "01", "compensate", SUCCEED, now, null))
                .isFalse();
        assertThat(store.updateBranchStatus("nobody", "01", "action", SUCCEED, now, null))
                .isFalse();
    }

    // ---- changeGlobalStatus

    @Test
    void changeGlobalStatusToSucceedSetsUpdateAndFinishTimes() {
        save(global("g1", SUBMITTED, now));
        Instant later = now.plusSeconds(3);

        assertThat(store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, SUCCEED, later)))
                .isTrue();

        GlobalTrans g = stored("g1");
        assertThat(g.status()).isEqualTo(SUCCEED);
        assertThat(g.updateTime()).isEqualTo(later);
        assertThat(g.finishTime()).isEqualTo(later);
        assertThat(g.rollbackTime()).isNull();
        assertThat(g.rollbackReason()).isEmpty();
    }

    @Test
    void changeGlobalStatusToFailedSetsRollbackTimeAndReason() {
        save(global("g1", ABORTING, now));
        Instant later = now.plusSeconds(3);

        assertThat(store.changeGlobalStatus(
                        "g1", new StatusChange(ABORTING, FAILED, later, "branch said no", null, null, null)))
                .isTrue();

        GlobalTrans g = stored("g1");
        assertThat(g.status()).isEqualTo(FAILED);
        assertThat(g.rollbackTime()).isEqualTo(later);
        assertThat(g.finishTime()).isNull();
        assertThat(g.rollbackReason()).isEqualTo("branch said no");
    }

    @Test
    void changeGlobalStatusStoresTheWorkflowResult() {
        save(global("g1", PREPARED, now));

        assertThat(store.changeGlobalStatus(
                        "g1", new StatusChange(PREPARED, SUCCEED, now, null, "the result", null, null)))
                .isTrue();

        assertThat(stored("g1").result()).isEqualTo("the result");
    }

    @Test
    void changeGlobalStatusKeepsReasonAndResultWhenTheyAreNull() {
        save(global("g1", PREPARED, now));
        store.changeGlobalStatus("g1", new StatusChange(PREPARED, ABORTING, now, "first reason", "r", null, null));

        store.changeGlobalStatus("g1", StatusChange.of(ABORTING, FAILED, now));

        assertThat(stored("g1").rollbackReason()).isEqualTo("first reason");
        assertThat(stored("g1").result()).isEqualTo("r");
    }

    @Test
    void changeGlobalStatusLosesTheCompareAndSetWhenTheStatusDiffersAndWritesNothing() {
        save(global("g1", SUBMITTED, now));
        GlobalTrans before = stored("g1");

        boolean changed = store.changeGlobalStatus(
                "g1", new StatusChange(PREPARED, FAILED, now.plusSeconds(9), "late", "late", null, null));

        assertThat(changed).isFalse();
        assertThat(stored("g1")).isEqualTo(before);
    }

    @Test
    void changeGlobalStatusReturnsFalseForAnUnknownGid() {
        assertThat(store.changeGlobalStatus("nobody", StatusChange.of(SUBMITTED, SUCCEED, now)))
                .isFalse();
    }

    @Test
    void onlyOneOfTwoCompetingStatusChangesWins() {
        save(global("g1", SUBMITTED, now));

        boolean first = store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, SUCCEED, now));
        boolean second = store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, ABORTING, now));

        assertThat(first).isTrue();
        assertThat(second).isFalse();
        assertThat(stored("g1").status()).isEqualTo(SUCCEED);
    }

    // ---- cron fields

    @Test
    void touchCronTimeUpdatesTheCronFieldsWhileTheStatusMatches() {
        save(global("g1", SUBMITTED, now));
        Instant later = now.plusSeconds(2);

        assertThat(store.touchCronTime("g1", SUBMITTED, null, 20, now.plusSeconds(22), later))
                .isTrue();

        GlobalTrans g = stored("g1");
        assertThat(g.nextCronInterval()).isEqualTo(20);
        assertThat(g.nextCronTime()).isEqualTo(now.plusSeconds(22));
        assertThat(g.updateTime()).isEqualTo(later);
    }

    @Test
    void touchCronTimeWritesNothingWhenTheStatusDiffers() {
        save(global("g1", SUBMITTED, now));
        GlobalTrans before = stored("g1");

        assertThat(store.touchCronTime("g1", PREPARED, null, 20, now.plusSeconds(22), now))
                .isFalse();
        assertThat(store.touchCronTime("nobody", SUBMITTED, null, 20, now.plusSeconds(22), now))
                .isFalse();
        assertThat(stored("g1")).isEqualTo(before);
    }

    @Test
    void resetNextCronTimeSetsNowForAnyStatus() {
        save(global("g1", SUCCEED, now.plusSeconds(300)));
        Instant later = now.plusSeconds(1);

        assertThat(store.resetNextCronTime("g1", later)).isTrue();

        assertThat(stored("g1").nextCronTime()).isEqualTo(later);
        assertThat(stored("g1").updateTime()).isEqualTo(later);
        assertThat(store.resetNextCronTime("nobody", later)).isFalse();
    }

    // ---- countDue

    @Test
    void countDueCountsUnfinishedTransactionsDueByTheTime() {
        save(global("prepared", PREPARED, now.minusSeconds(1)));
        save(global("submitted", SUBMITTED, now.minusSeconds(1)));
        save(global("aborting", ABORTING, now));
        save(global("succeed", SUCCEED, now.minusSeconds(1)));
        save(global("failed", FAILED, now.minusSeconds(1)));
        save(global("later", SUBMITTED, now.plusSeconds(60)));
        save(global("parked", SUBMITTED, Instant.parse("9000-01-01T00:00:00Z")));

        assertThat(store.countDue(now)).isEqualTo(3);
        assertThat(store.countDue(now.plusSeconds(60))).isEqualTo(4);
        assertThat(store.countDue(now.minusSeconds(2))).isZero();
        store.claimDue(now, now.plus(RETRY), "owner-1", 100, now); // the claimed move to their lease
        assertThat(store.countDue(now)).isZero();
    }

    // ---- countByStatus

    @Test
    void countByStatusCountsEveryStatusUpToTheCap() {
        save(global("p1", PREPARED, now));
        save(global("s1", SUBMITTED, now));
        save(global("s2", SUBMITTED, now.plusSeconds(60)));
        save(global("a1", ABORTING, now));
        for (int i = 0; i < 4; i++) {
            save(global("ok" + i, SUBMITTED, now));
            assertThat(store.changeGlobalStatus("ok" + i, StatusChange.of(SUBMITTED, SUCCEED, now)))
                    .isTrue();
        }
        save(global("f1", ABORTING, now));
        assertThat(store.changeGlobalStatus("f1", StatusChange.of(ABORTING, FAILED, now)))
                .isTrue();

        assertThat(store.countByStatus(10))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        PREPARED, new Store.StatusCount(1, false),
                        SUBMITTED, new Store.StatusCount(2, false),
                        ABORTING, new Store.StatusCount(1, false),
                        SUCCEED, new Store.StatusCount(4, false),
                        FAILED, new Store.StatusCount(1, false)));
        // at the bound a count says "more than": exact below it, never more than the cap
        var capped = store.countByStatus(2);
        assertThat(capped.get(SUCCEED)).satisfies(c -> {
            assertThat(c.more()).isTrue();
            assertThat(c.count()).isLessThanOrEqualTo(2);
        });
        assertThat(capped.get(FAILED).count()).isLessThanOrEqualTo(1);
    }

    // ---- claimDue

    @Test
    void claimDueClaimsOnlyDueUnfinishedTransactions() {
        save(global("prepared", PREPARED, now.minusSeconds(1)));
        save(global("submitted", SUBMITTED, now.minusSeconds(1)));
        save(global("aborting", ABORTING, now));
        save(global("succeed", SUCCEED, now.minusSeconds(1)));
        save(global("failed", FAILED, now.minusSeconds(1)));
        save(global("later", SUBMITTED, now.plusSeconds(1)));

        List<GlobalTrans> claimed = store.claimDue(now, now.plus(RETRY), "owner-1", 100, now);

        assertThat(gids(claimed)).containsExactlyInAnyOrder("prepared", "submitted", "aborting");
    }

    @Test
    void claimDueReturnsTheTransactionsAsTheyAreAfterTheClaim() {
        save(global("g1", SUBMITTED, now.minusSeconds(5)));
        Instant claimTime = now.plusSeconds(1);

        List<GlobalTrans> claimed = store.claimDue(claimTime, claimTime.plus(RETRY), "owner-1", 10, claimTime);

        assertThat(claimed).hasSize(1);
        GlobalTrans g = claimed.getFirst();
        assertThat(g.owner()).isEqualTo("owner-1");
        assertThat(g.nextCronTime()).isEqualTo(claimTime.plus(RETRY));
        assertThat(g.updateTime()).isEqualTo(claimTime);
        assertThat(g.status()).isEqualTo(SUBMITTED);
        assertThat(stored("g1")).isEqualTo(g);
    }

    @Test
    void claimDueTakesTheEarliestFirstAndRespectsTheLimit() {
        save(global("third", SUBMITTED, now.minusSeconds(10)));
        save(global("first", SUBMITTED, now.minusSeconds(30)));
        save(global("fourth", SUBMITTED, now.minusSeconds(5)));
        save(global("second", SUBMITTED, now.minusSeconds(20)));

        assertThat(gids(store.claimDue(now, now.plus(RETRY), "a", 2, now)))
                .containsExactlyInAnyOrder("first", "second");
        assertThat(gids(store.claimDue(now, now.plus(RETRY), "b", 1, now))).containsExactly("third");
        assertThat(gids(store.claimDue(now, now.plus(RETRY), "c", 5, now))).containsExactly("fourth");
    }

    @Test
    void claimDuePushesTheCronTimeSoThatASecondClaimFindsNothing() {
        save(global("g1", SUBMITTED, now.minusSeconds(1)));
        save(global("g2", PREPARED, now.minusSeconds(1)));

        assertThat(store.claimDue(now, now.plus(RETRY), "a", 10, now)).hasSize(2);
        assertThat(store.claimDue(now, now.plus(RETRY), "b", 10, now)).isEmpty();
        assertThat(stored("g1").owner()).isEqualTo("a");

        Instant afterLease = now.plus(RETRY);
        assertThat(gids(store.claimDue(afterLease, afterLease.plus(RETRY), "b", 10, afterLease)))
                .containsExactlyInAnyOrder("g1", "g2");
        assertThat(stored("g1").owner()).isEqualTo("b");
    }

    @Test
    void claimDueLeavesARefusedCandidateAsItIsAndTakesALaterOneInstead() {
        save(global("busy", SUBMITTED, now.minusSeconds(3)));
        save(global("g2", SUBMITTED, now.minusSeconds(2)));
        save(global("g3", SUBMITTED, now.minusSeconds(1)));
        List<String> offered = new ArrayList<>();

        List<GlobalTrans> claimed = store.claimDue(now, now.plus(RETRY), "claim-1", 1, now, gid -> {
            offered.add(gid);
            return !gid.equals("busy");
        });

        assertThat(gids(claimed)).containsExactly("g2");
        assertThat(offered).startsWith("busy", "g2");
        GlobalTrans busy = stored("busy");
        assertThat(busy.owner()).isEqualTo("api-round");
        assertThat(busy.nextCronTime()).isEqualTo(now.minusSeconds(3));
        assertThat(stored("g3").owner()).isEqualTo("api-round");
    }

    @Test
    void claimDuePagesPastMoreRefusedCandidatesThanItsLimit() {
        for (int i = 0; i < 7; i++) {
            save(global("busy" + i, SUBMITTED, now.minusSeconds(20 - i)));
        }
        save(global("free", ABORTING, now.minusSeconds(5)));
        save(global("late", SUBMITTED, now.minusSeconds(1)));

        List<GlobalTrans> claimed =
                store.claimDue(now, now.plus(RETRY), "claim-1", 2, now, gid -> !gid.startsWith("busy"));

        assertThat(gids(claimed)).containsExactlyInAnyOrder("free", "late");
        assertThat(stored("busy0").owner()).isEqualTo("api-round");
    }

    @Test
    void claimDueWithANonPositiveLimitClaimsNothing() {
        save(global("g1", SUBMITTED, now.minusSeconds(1)));

        assertThat(store.claimDue(now, now.plus(RETRY), "a", 0, now)).isEmpty();
        assertThat(stored("g1").owner()).isEqualTo("api-round");
    }

    @Test
    void concurrentClaimersNeverClaimTheSameGidTwice() throws Exception {
        int total = 200;
        for (int i = 0; i < total; i++) {
            save(global("g" + i, SUBMITTED, now.minusSeconds(i % 17)));
        }
        int claimers = 6;
        CyclicBarrier start = new CyclicBarrier(claimers);
        Queue<String> claimed = new ConcurrentLinkedQueue<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < claimers; t++) {
            String owner = "claimer-" + t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    List<GlobalTrans> batch;
                    do {
                        batch = store.claimDue(now, now.plusSeconds(3600), owner, 3, now);
                        batch.forEach(g -> claimed.add(g.gid()));
                    } while (!batch.isEmpty());
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(errors).isEmpty();
        assertThat(claimed).hasSize(total).doesNotHaveDuplicates();
    }

    /** dtm's TestStoreLockTrans, with the claim horizon passed as {@code dueBy}. */
    @Test
    void lockTransScenarioOfDtm() {
        save(global("g1", SUBMITTED, now.plus(RETRY)));
        Instant horizon = now.plus(RETRY.multipliedBy(2));

        assertThat(gids(store.claimDue(horizon, now.plus(RETRY), "a", 1, now))).containsExactly("g1");

        store.touchCronTime("g1", SUBMITTED, null, RETRY.toSeconds(), now.plus(RETRY.multipliedBy(3)), now);
        assertThat(store.claimDue(horizon, now.plus(RETRY), "b", 1, now)).isEmpty();

        store.touchCronTime("g1", SUBMITTED, null, RETRY.toSeconds(), now.plus(RETRY), now);
        assertThat(gids(store.claimDue(horizon, now.plus(RETRY), "c", 1, now))).containsExactly("g1");

        store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, SUCCEED, now));
        store.resetNextCronTime("g1", now);
        assertThat(store.claimDue(now.plusSeconds(100_000), now.plus(RETRY), "d", 1, now))
                .isEmpty();
    }

    // ---- resetCronTime

    /** dtm's TestStoreResetCronTime: ten transactions at +110 s and one at +90 s. */
    @Test
    void resetCronTimeScenarioOfDtm() {
        for (int i = 0; i < 10; i++) {
            save(global("far" + i, SUBMITTED, now.plusSeconds(110)));
        }
        save(global("near", SUBMITTED, now.plusSeconds(90)));

        assertThat(store.resetCronTime(now.plusSeconds(100), 9, now)).isEqualTo(new ResetResult(9, true));
        assertThat(store.resetCronTime(now.plusSeconds(100), 10, now)).isEqualTo(new ResetResult(1, false));
        assertThat(store.resetCronTime(now.plusSeconds(88), 10, now)).isEqualTo(new ResetResult(1, false));
        assertThat(store.resetCronTime(now.plusSeconds(88), 10, now)).isEqualTo(new ResetResult(0, false));

        assertThat(stored("near").nextCronTime()).isEqualTo(now);
        assertThat(stored("far3").nextCronTime()).isEqualTo(now);
        assertThat(stored("far3").updateTime()).isEqualTo(now);
    }

    @Test
    void resetCronTimeReportsNoRemainderWhenExactlyLimitCandidatesExist() {
        save(global("a", SUBMITTED, now.plusSeconds(200)));
        save(global("b", PREPARED, now.plusSeconds(200)));

        assertThat(store.resetCronTime(now.plusSeconds(100), 2, now)).isEqualTo(new ResetResult(2, false));
    }

    @Test
    void resetCronTimeLeavesFinishedTransactionsAlone() {
        save(global("done", SUCCEED, now.plusSeconds(200)));
        save(global("gone", FAILED, now.plusSeconds(200)));

        assertThat(store.resetCronTime(now.plusSeconds(100), 10, now)).isEqualTo(new ResetResult(0, false));
        assertThat(stored("done").nextCronTime()).isEqualTo(now.plusSeconds(200));
    }

    // ---- scanGlobals

    @Test
    void scanGlobalsPagesNewestFirst() {
        for (int i = 1; i <= 5; i++) {
            save(global("g" + i, SUBMITTED, now));
        }

        Page<GlobalTrans> first = store.scanGlobals("", 2, GlobalFilter.ALL);
        assertThat(gids(first.items())).containsExactly("g5", "g4");
        assertThat(first.nextPosition()).isNotEmpty();

        Page<GlobalTrans> second = store.scanGlobals(first.nextPosition(), 2, GlobalFilter.ALL);
        assertThat(gids(second.items())).containsExactly("g3", "g2");
        assertThat(second.nextPosition()).isNotEmpty().isNotEqualTo(first.nextPosition());

        Page<GlobalTrans> last = store.scanGlobals(second.nextPosition(), 2, GlobalFilter.ALL);
        assertThat(gids(last.items())).containsExactly("g1");
        assertThat(last.nextPosition()).isEmpty();

        Page<GlobalTrans> all = store.scanGlobals("", 100, GlobalFilter.ALL);
        assertThat(all.items()).hasSize(5);
        assertThat(all.nextPosition()).isEmpty();
    }

    @Test
    void scanGlobalsOfAnEmptyStoreIsAnEmptyLastPage() {
        assertThat(store.scanGlobals("", 10, GlobalFilter.ALL)).isEqualTo(new Page<GlobalTrans>(List.of(), ""));
    }

    @Test
    void scanGlobalsFiltersByStatusAndType() {
        save(global("saga-submitted", TransType.SAGA, SUBMITTED, now, now));
        save(global("tcc-submitted", TransType.TCC, SUBMITTED, now, now));
        save(global("saga-succeed", TransType.SAGA, SUCCEED, now, now));

        assertThat(gids(store.scanGlobals("", 10, new GlobalFilter(SUBMITTED, null, null, null))
                        .items()))
                .containsExactly("tcc-submitted", "saga-submitted");
        assertThat(gids(store.scanGlobals("", 10, new GlobalFilter(null, TransType.SAGA, null, null))
                        .items()))
                .containsExactly("saga-succeed", "saga-submitted");
        assertThat(gids(store.scanGlobals("", 10, new GlobalFilter(SUBMITTED, TransType.SAGA, null, null))
                        .items()))
                .containsExactly("saga-submitted");
    }

    @Test
    void scanGlobalsFiltersByInclusiveCreateTimeBounds() {
        save(global("old", TransType.SAGA, SUBMITTED, now.minusSeconds(600), now));
        save(global("start", TransType.SAGA, SUBMITTED, now.minusSeconds(300), now));
        save(global("middle", TransType.SAGA, SUBMITTED, now.minusSeconds(200), now));
        save(global("end", TransType.SAGA, SUBMITTED, now.minusSeconds(100), now));
        save(global("new", TransType.SAGA, SUBMITTED, now, now));

        GlobalFilter window = new GlobalFilter(null, null, now.minusSeconds(300), now.minusSeconds(100));
        assertThat(gids(store.scanGlobals("", 10, window).items())).containsExactly("end", "middle", "start");

        GlobalFilter since = new GlobalFilter(null, null, now.minusSeconds(100), null);
        assertThat(gids(store.scanGlobals("", 10, since).items())).containsExactly("new", "end");

        GlobalFilter before = new GlobalFilter(null, null, null, now.minusSeconds(600));
        assertThat(gids(store.scanGlobals("", 10, before).items())).containsExactly("old");

        GlobalFilter empty = new GlobalFilter(null, null, now.minusSeconds(1000), now.minusSeconds(900));
        assertThat(store.scanGlobals("", 10, empty)).isEqualTo(new Page<GlobalTrans>(List.of(), ""));
    }

    @Test
    void scanGlobalsFiltersByALiteralGidPrefixAndUpdateTime() {
        // global(gid, type, status, createTime = updateTime, nextCronTime)
        save(global("order-1", TransType.SAGA, SUBMITTED, now.minusSeconds(300), now));
        save(global("order-2", TransType.SAGA, SUBMITTED, now.minusSeconds(100), now));
        save(global("orders", TransType.SAGA, SUBMITTED, now, now));
        save(global("ord%x", TransType.SAGA, SUBMITTED, now, now));
        save(global("ord_y", TransType.SAGA, SUBMITTED, now, now));
        save(global("stock-1", TransType.SAGA, SUBMITTED, now, now));

        assertThat(gids(store.scanGlobals("", 10, prefix("order-")).items())).containsExactly("order-2", "order-1");
        assertThat(gids(store.scanGlobals("", 10, prefix("ord%")).items())).containsExactly("ord%x");
        assertThat(gids(store.scanGlobals("", 10, prefix("ord_")).items())).containsExactly("ord_y");
        assertThat(gids(store.scanGlobals("", 10, prefix("x")).items())).isEmpty();

        GlobalFilter updated =
                new GlobalFilter(null, null, null, null, "order", now.minusSeconds(200), now.minusSeconds(100));
        assertThat(gids(store.scanGlobals("", 10, updated).items())).containsExactly("order-2");
        GlobalFilter updatedBefore = new GlobalFilter(null, null, null, null, null, null, now.minusSeconds(200));
        assertThat(gids(store.scanGlobals("", 10, updatedBefore).items())).containsExactly("order-1");
    }

    private static GlobalFilter prefix(String gidPrefix) {
        return new GlobalFilter(null, null, null, null, gidPrefix, null, null);
    }

    @Test
    void scanGlobalsPagesThroughFilteredRows() {
        for (int i = 1; i <= 6; i++) {
            save(global("g" + i, i % 2 == 0 ? SUBMITTED : SUCCEED, now));
        }
        GlobalFilter submitted = new GlobalFilter(SUBMITTED, null, null, null);

        Page<GlobalTrans> first = store.scanGlobals("", 2, submitted);
        Page<GlobalTrans> second = store.scanGlobals(first.nextPosition(), 2, submitted);

        assertThat(gids(first.items())).containsExactly("g6", "g4");
        assertThat(gids(second.items())).containsExactly("g2");
        assertThat(second.nextPosition()).isEmpty();
    }

    // ---- kv

    @Test
    void createKvStartsAtVersionOneAndRefusesAnExistingKey() {
        assertThat(store.createKv("topics", "t1", "[]", now)).isTrue();
        assertThat(store.createKv("topics", "t1", "[\"other\"]", now)).isFalse();

        KvEntry kv = store.findKv("topics", "t1").getFirst();
        assertThat(kv.id()).isPositive();
        assertThat(kv.cat()).isEqualTo("topics");
        assertThat(kv.key()).isEqualTo("t1");
        assertThat(kv.value()).isEqualTo("[]");
        assertThat(kv.version()).isEqualTo(1);
        assertThat(kv.createTime()).isEqualTo(now);
        assertThat(kv.updateTime()).isEqualTo(now);
    }

    @Test
    void theSameKeyMayExistInTwoCategories() {
        assertThat(store.createKv("a", "k", "1", now)).isTrue();
        assertThat(store.createKv("b", "k", "2", now)).isTrue();
    }

    @Test
    void findKvReturnsOneEntryOrTheWholeCategory() {
        store.createKv("topics", "t1", "1", now);
        store.createKv("topics", "t2", "2", now);
        store.createKv("other", "t3", "3", now);

        assertThat(store.findKv("topics", "t2")).extracting(KvEntry::value).containsExactly("2");
        assertThat(store.findKv("topics", "")).extracting(KvEntry::key).containsExactlyInAnyOrder("t1", "t2");
        assertThat(store.findKv("topics", "missing")).isEmpty();
        assertThat(store.findKv("missing", "")).isEmpty();
    }

    @Test
    void updateKvIsConditionalOnTheVersionAndIncrementsIt() {
        store.createKv("topics", "t1", "v1", now);
        Instant later = now.plusSeconds(4);

        assertThat(store.updateKv("topics", "t1", "v2", 1, later)).isTrue();
        assertThat(store.updateKv("topics", "t1", "stale", 1, later)).isFalse();
        assertThat(store.updateKv("topics", "t1", "v3", 2, later)).isTrue();

        KvEntry kv = store.findKv("topics", "t1").getFirst();
        assertThat(kv.value()).isEqualTo("v3");
        assertThat(kv.version()).isEqualTo(3);
        assertThat(kv.updateTime()).isEqualTo(later);
        assertThat(kv.createTime()).isEqualTo(now);
    }

    @Test
    void updateKvReturnsFalseWhenTheEntryIsAbsent() {
        assertThat(store.updateKv("topics", "none", "v", 1, now)).isFalse();
        assertThat(store.findKv("topics", "none")).isEmpty();
    }

    @Test
    void deleteKvRemovesTheEntryAndReturnsFalseWhenAbsent() {
        store.createKv("topics", "t1", "v", now);

        assertThat(store.deleteKv("topics", "t1")).isTrue();
        assertThat(store.deleteKv("topics", "t1")).isFalse();
        assertThat(store.findKv("topics", "t1")).isEmpty();
        assertThat(store.createKv("topics", "t1", "again", now)).isTrue();
        assertThat(store.findKv("topics", "t1").getFirst().version()).isEqualTo(1);
    }

    @Test
    void scanKvPagesNewestFirstWithinACategory() {
        for (int i = 1; i <= 3; i++) {
            store.createKv("topics", "t" + i, "v", now);
            store.createKv("other", "o" + i, "v", now);
        }

        Page<KvEntry> first = store.scanKv("topics", "", 2);
        assertThat(first.items()).extracting(KvEntry::key).containsExactly("t3", "t2");
        assertThat(first.nextPosition()).isNotEmpty();

        Page<KvEntry> second = store.scanKv("topics", first.nextPosition(), 2);
        assertThat(second.items()).extracting(KvEntry::key).containsExactly("t1");
        assertThat(second.nextPosition()).isEmpty();
    }

    @Test
    void scanKvWithAnEmptyCategoryListsEveryCategory() {
        store.createKv("topics", "t1", "v", now);
        store.createKv("other", "o1", "v", now);
        store.createKv("topics", "t2", "v", now);

        Page<KvEntry> all = store.scanKv("", "", 10);

        assertThat(all.items()).extracting(KvEntry::key).containsExactly("t2", "o1", "t1");
        assertThat(all.nextPosition()).isEmpty();
    }

    // ---- lifecycle

    @Test
    void aClosedStoreRefusesWork() {
        store.close();
        Store closed = store;
        store = null;

        assertThatThrownBy(() -> closed.saveNew(global("g1", SUBMITTED, now), List.of()))
                .isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> closed.findGlobal("g1")).isInstanceOf(StoreException.class);
    }
}
