package io.dtm4j.server.store;

import io.dtm4j.protocol.TransStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Durable state of the coordinator: global transactions, their branch op rows and a key-value
 * table. Every method that writes returns only after the write is durable (synced), so a caller may
 * acknowledge it. Implementations are thread-safe. Technical failures throw {@link
 * StoreException}; expected outcomes (a lost compare-and-set, an existing key) are return values.
 */
public interface Store extends AutoCloseable {

    /** Checks that the store answers; throws {@link StoreException} when it does not. */
    void ping();

    Optional<GlobalTrans> findGlobal(String gid);

    /**
     * Returns up to {@code limit} transactions matching {@code filter}, newest first, starting after
     * the cursor {@code position} (empty = from the newest).
     */
    Page<GlobalTrans> scanGlobals(String position, int limit, GlobalFilter filter);

    /** Returns the branch op rows of {@code gid} in insertion order; empty when there are none. */
    List<BranchOp> findBranches(String gid);

    /** A global transaction with its branch op rows, read together. */
    record StoredTrans(GlobalTrans global, List<BranchOp> branches) {}

    /**
     * Returns the transaction with its branch rows, never rows older than the status read with them:
     * a finished transaction comes with the final statuses of its branches. The default reads the
     * global first: a round's branch writes commit with or before its status writes, so rows read
     * after a status include every branch write that status depends on (reading the rows first
     * could pair rows from before a round's final write with the status it wrote).
     */
    default Optional<StoredTrans> findTrans(String gid) {
        return findGlobal(gid).map(g -> new StoredTrans(g, findBranches(gid)));
    }

    /**
     * Inserts {@code global} and its {@code branches} atomically if no transaction has this gid.
     *
     * @return false, writing nothing, when the gid exists
     */
    boolean saveNew(GlobalTrans global, List<BranchOp> branches);

    /** The outcome of {@link #appendBranches}. */
    enum AppendResult {
        APPENDED,
        /** the global does not exist or its status is not the expected one; nothing written */
        STATUS_MISMATCH,
        /** a row with the same (gid, branch_id, op) exists; nothing written */
        DUPLICATE
    }

    /** Appends {@code branches} atomically, only while the global's status is {@code expected}. */
    AppendResult appendBranches(String gid, TransStatus expected, List<BranchOp> branches);

    /**
     * Sets the status of the row (gid, branchId, op) and its update/finish/rollback times.
     *
     * @param owner when not null, the write applies only while the global's owner is this claim token
     *     (fencing: a node that lost its claim cannot write)
     * @return false when there is no such row, or the owner differs
     */
    boolean updateBranchStatus(String gid, String branchId, String op, TransStatus status, Instant now, String owner);

    /**
     * Like {@link #updateBranchStatus} but may return before the write is durable, or even applied,
     * and without its outcome. Ordering is per gid: a synchronous write of the same gid (status change,
     * cron update, branch update, append) issued after this call returns commits with it or after it,
     * so a later durable status change of the transaction also makes this one durable; {@link #flush}
     * writes it too. A claim ({@link #claimDue}) is not ordered after it. The write stays fenced: it
     * applies only while {@code owner} (when not null) still holds the transaction when it is written,
     * so a round that lost its claim has it dropped, as its synchronous write would have been refused.
     * A crash may lose it, in which case the branch is called again (branches are idempotent by
     * contract). Reads may not see it before it is written. The default implementation is synchronous.
     */
    default void updateBranchStatusOrdered(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        updateBranchStatus(gid, branchId, op, status, now, owner);
    }

    /**
     * Returns once every {@link #updateBranchStatusOrdered} write issued before this call, of any gid,
     * is durable (or dropped by its fence).
     */
    default void flush() {}

    /**
     * Changes the global status from {@code change.from()} to {@code change.to()} if it is still
     * {@code change.from()} and, when {@code change.owner()} is set, still owned by that token.
     *
     * @return false, writing nothing, when the gid is unknown, its status differs or the owner differs
     */
    boolean changeGlobalStatus(String gid, StatusChange change);

    /**
     * Sets next_cron_interval, next_cron_time and update_time, only while the status is {@code
     * expected} and, when {@code owner} is not null, the owner is {@code owner}.
     *
     * @return false when the gid is unknown, or its status or owner differs
     */
    boolean touchCronTime(
            String gid, TransStatus expected, String owner, long intervalSeconds, Instant nextCronTime, Instant now);

    /**
     * Claims up to {@code limit} unfinished transactions whose next_cron_time is at or before {@code
     * dueBy}, earliest first: each gets {@code owner}, next_cron_time {@code leaseUntil} and
     * update_time {@code now}, atomically, so that a concurrent claimer cannot take the same one.
     *
     * <p>Each candidate is offered to {@code mayClaim}, in that order, before it is claimed; one it
     * refuses is left exactly as it is (owner and lease unchanged: a round in progress on this node
     * keeps its claim) and a later candidate is taken instead. {@code mayClaim} may also be offered
     * candidates that end up unclaimed (another claimer took them first, or more were accepted than
     * {@code limit}): only the result says what was claimed.
     *
     * @return the claimed transactions as they are after the claim
     */
    List<GlobalTrans> claimDue(
            Instant dueBy, Instant leaseUntil, String owner, int limit, Instant now, Predicate<String> mayClaim);

    /** {@link #claimDue(Instant, Instant, String, int, Instant, Predicate)} taking every candidate. */
    default List<GlobalTrans> claimDue(Instant dueBy, Instant leaseUntil, String owner, int limit, Instant now) {
        return claimDue(dueBy, leaseUntil, owner, limit, now, gid -> true);
    }

    /** Counts the unfinished transactions whose next_cron_time is at or before {@code dueBy} (parked ones are not). */
    long countDue(Instant dueBy);

    /** A count that stopped at its bound when {@code more}: there are more than {@code count}. */
    record StatusCount(long count, boolean more) {}

    /**
     * Counts the transactions of each status, reading at most about {@code cap} of each: the bound
     * keeps the console's overview cheap on a store holding millions of finished transactions.
     */
    Map<TransStatus, StatusCount> countByStatus(long cap);

    /** The outcome of {@link #resetCronTime}. */
    record ResetResult(int changed, boolean hasRemaining) {}

    /**
     * Sets next_cron_time and update_time to {@code now} for up to {@code limit} unfinished
     * transactions whose next_cron_time is after {@code after}.
     */
    ResetResult resetCronTime(Instant after, int limit, Instant now);

    /**
     * Sets next_cron_time and update_time of one transaction (any status) to {@code now}.
     *
     * @return false when the gid is unknown
     */
    boolean resetNextCronTime(String gid, Instant now);

    /**
     * Deletes up to {@code limit} finished ({@code succeed} or {@code failed}) transactions whose
     * update_time is before {@code finishedBefore}, with their branch rows, oldest first. Never
     * touches an unfinished transaction.
     *
     * @return how many transactions were deleted
     */
    int deleteFinished(Instant finishedBefore, int limit);

    /**
     * Returns up to {@code limit} entries of category {@code cat} (empty = every category), newest
     * first, starting after the cursor {@code position}.
     */
    Page<KvEntry> scanKv(String cat, String position, int limit);

    /** Returns the entry (cat, key), or every entry of {@code cat} when {@code key} is empty. */
    List<KvEntry> findKv(String cat, String key);

    /**
     * Creates (cat, key) with version 1.
     *
     * @return false when it exists
     */
    boolean createKv(String cat, String key, String value, Instant now);

    /**
     * Replaces the value of (cat, key) and increments its version, only if its stored version is
     * still {@code expectedVersion}.
     *
     * @return false when the entry is absent or its version differs
     */
    boolean updateKv(String cat, String key, String value, long expectedVersion, Instant now);

    /**
     * Deletes (cat, key).
     *
     * @return false when it is absent
     */
    boolean deleteKv(String cat, String key);

    @Override
    void close();
}
