package io.dtm4j.client.barrier;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmDuplicatedException;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.protocol.Ops;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.util.Map;
import java.util.Objects;

/**
 * The sub-transaction barrier for a balance kept in Redis (needs Lettuce on the class path): a
 * branch operation adjusts an integer key at most once, a compensation whose action never ran
 * changes nothing, and an action arriving after its compensation changes nothing. The check, the
 * barrier records and the adjustment run as one Lua script, so they are atomic.
 *
 * <p>Barrier records are keys {@code <gid>-<branch_id>-<op>-<barrier_id>}, as dtm writes them, and
 * expire after {@code expireSeconds}: the protection lasts that long. Redis Cluster: the script
 * touches the balance key and the records, which must share a slot, so give the balance key a hash
 * tag, e.g. {@code {account-7}balance}; the records then get the same tag as a prefix ({@code
 * {account-7}<gid>-01-try-01}). Keys without a hash tag are left exactly as dtm's, for a single node.
 *
 * <p>Create one object per incoming request (its barrier ids count from 01), like {@link
 * BranchBarrier}. Thread-safe only in the sense that different requests use different objects.
 */
public final class RedisBarrier {
    /** The record value that tells the check-back ran before the message's local transaction. */
    private static final String ROLLBACK = Ops.ROLLBACK;

    // KEYS: balance, record of this op, record of the origin op (compensations only).
    // ARGV: amount, op, expire seconds. The balance is checked before anything else, as dtm does.
    private static final String CHECK_ADJUST = """
            local raw = redis.call('GET', KEYS[1])
            if raw == false then
              return 'FAILURE'
            end
            local balance = tonumber(raw)
            if balance == nil then
              return redis.error_reply('the balance key ' .. KEYS[1] .. ' does not hold an integer')
            end
            if balance + tonumber(ARGV[1]) < 0 then
              return 'FAILURE'
            end
            if not redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3], 'NX') then
              return 'DUPLICATED'
            end
            if #KEYS == 3 and redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3], 'NX') then
              return 'NULL_COMPENSATION'
            end
            redis.call('INCRBY', KEYS[1], ARGV[1])
            return 'ADJUSTED'
            """;

    // KEYS: the message's record. ARGV: expire seconds, the value meaning "rolled back".
    private static final String QUERY_PREPARED = """
            redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1], 'NX')
            return redis.call('GET', KEYS[1])
            """;

    private final BranchIdentity branch;
    private int barrierId;

    private RedisBarrier(BranchIdentity branch) {
        this.branch = Objects.requireNonNull(branch, "branch");
    }

    /** A barrier for {@code branch}. */
    public static RedisBarrier of(BranchIdentity branch) {
        return new RedisBarrier(branch);
    }

    /** A barrier for the branch named by the request's query parameters (see {@link BranchIdentity#fromQuery}). */
    public static RedisBarrier fromQuery(Map<String, ?> query) {
        return of(BranchIdentity.fromQuery(query));
    }

    /** The branch operation this barrier protects. */
    public BranchIdentity branch() {
        return branch;
    }

    /**
     * Adds {@code amount} (negative to take) to the integer at {@code key} at most once for this
     * branch operation. Returns without a change for a repeated request, a compensation whose action
     * never ran, or an action arriving after its compensation.
     *
     * @param redis a Lettuce connection's sync commands (single node or Cluster)
     * @param expireSeconds how long the barrier records live, > 0
     * @throws DtmFailureException when {@code key} is missing or would go below zero; checked first,
     *     so nothing is recorded and a later retry may still succeed
     * @throws DtmDuplicatedException for a message whose check-back already decided "rolled back"
     * @throws DtmException when Redis fails, or the key does not hold an integer
     */
    public void checkAdjustAmount(
            RedisScriptingCommands<String, String> redis, String key, long amount, long expireSeconds) {
        Objects.requireNonNull(redis, "redis");
        requireKey(key);
        requirePositive(expireSeconds);
        String id = "%02d".formatted(++barrierId);
        String origin = BranchBarrier.originOf(branch.op());
        String tag = hashTag(key);
        String[] keys = origin == null
                ? new String[] {key, recordKey(tag, branch.gid(), branch.branchId(), branch.op(), id)}
                : new String[] {
                    key,
                    recordKey(tag, branch.gid(), branch.branchId(), branch.op(), id),
                    recordKey(tag, branch.gid(), branch.branchId(), origin, id)
                };
        String[] args = {Long.toString(amount), branch.op(), Long.toString(expireSeconds)};
        String outcome = eval(redis, CHECK_ADJUST, keys, args, "barrier " + describe());
        switch (outcome) {
            case "FAILURE" ->
                throw new DtmFailureException(
                        "barrier " + describe() + ": balance " + key + " is missing or lower than " + -amount);
            case "DUPLICATED" -> {
                if (Ops.MSG.equals(branch.op())) {
                    throw new DtmDuplicatedException("gid " + branch.gid() + ": the message was already checked"
                            + " back and rolled back; the local transaction must not run");
                }
            }
            case "NULL_COMPENSATION", "ADJUSTED" -> {}
            default -> throw new DtmException("barrier " + describe() + ": unexpected script answer " + outcome);
        }
    }

    /**
     * Answers the server's check-back for the message {@code gid} whose local transaction adjusted a
     * key without a hash tag: see {@link #queryPrepared(RedisScriptingCommands, String, String, long)}.
     */
    public static void queryPrepared(RedisScriptingCommands<String, String> redis, String gid, long expireSeconds) {
        queryPrepared(redis, gid, "", expireSeconds);
    }

    /**
     * Answers the server's check-back for the message {@code gid}: returns normally when its local
     * transaction ran; throws {@link DtmFailureException} when it did not, after making sure it never
     * can (a late one fails with {@link DtmDuplicatedException}).
     *
     * @param key the balance key the local transaction adjusts; only its hash tag counts (Cluster)
     * @param expireSeconds how long the record written here lives, > 0
     */
    public static void queryPrepared(
            RedisScriptingCommands<String, String> redis, String gid, String key, long expireSeconds) {
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(key, "key");
        requirePositive(expireSeconds);
        if (gid == null || gid.isEmpty()) {
            throw new IllegalArgumentException("gid must not be empty");
        }
        String record = recordKey(hashTag(key), gid, Ops.RESERVED_BRANCH_ID, Ops.MSG, "01");
        String[] args = {Long.toString(expireSeconds), ROLLBACK};
        String value = eval(redis, QUERY_PREPARED, new String[] {record}, args, "query prepared of gid " + gid);
        if (ROLLBACK.equals(value)) {
            throw new DtmFailureException("gid " + gid + ": the local transaction did not commit");
        }
    }

    /** The record of one barrier operation: dtm's key, prefixed with the balance key's hash tag if any. */
    static String recordKey(String tag, String gid, String branchId, String op, String barrierId) {
        return tag + gid + "-" + branchId + "-" + op + "-" + barrierId;
    }

    /**
     * The hash tag of {@code key} with its braces, as Redis Cluster finds it (the first {@code {}
     * and the next {@code }} with something between), or an empty string.
     */
    static String hashTag(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return "";
        }
        int close = key.indexOf('}', open + 1);
        return close > open + 1 ? key.substring(open, close + 1) : "";
    }

    private static String eval(
            RedisScriptingCommands<String, String> redis, String script, String[] keys, String[] args, String what) {
        try {
            Object answer = redis.eval(script, ScriptOutputType.VALUE, keys, args);
            return answer == null ? "" : answer.toString();
        } catch (RedisException e) {
            throw new DtmException(what + ": " + e.getMessage(), e);
        }
    }

    private String describe() {
        return branch.gid() + "/" + branch.branchId() + "/" + branch.op();
    }

    private static void requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("the balance key must not be empty");
        }
    }

    private static void requirePositive(long expireSeconds) {
        if (expireSeconds <= 0) {
            throw new IllegalArgumentException("expireSeconds must be positive: " + expireSeconds);
        }
    }
}
