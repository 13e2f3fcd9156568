package io.dtm4j.server.store.redis;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.PendingBranchWrites;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store on Redis (single node, or a cluster: every key of one prefix is in one hash slot when the
 * prefix is a hash tag such as dtm's default {@code {a}}), in dtm's key layout, so that data
 * written by dtm's Redis store is read and processed. Every write is one Lua script ({@link
 * Scripts}), loaded once and run with EVALSHA over one multiplexed connection.
 *
 * <p>Expiry: unfinished transactions carry no TTL (they never vanish from under a running
 * transaction, unlike dtm's: see docs/operations.md); finished ones expire together after {@code
 * finishedDataExpire}. {@code dataExpire} of dtm is therefore not applied. Index entries of expired
 * transactions are dropped by listings, by {@link #deleteFinished}, and two at a time by each
 * transaction that finishes, so the indexes do not grow without bound.
 */
public final class RedisStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(RedisStore.class);
    private static final int SCAN_CHUNK = 200;
    private static final int NOT_CONNECTED_ATTEMPTS = 20;
    private static final Duration NOT_CONNECTED_PAUSE = Duration.ofMillis(50);
    /** How long a buffered branch status write may wait for a later write of its gid. */
    private static final Duration MAX_BRANCH_LAG = Duration.ofMillis(200);

    /**
     * Connection settings.
     *
     * @param hosts one host, or several (comma-separated, each {@code host} or {@code host:port});
     *     one node of a cluster is enough, the others are seeds used when the first do not answer
     * @param port the port of hosts given without one
     * @param user empty for none (password-only AUTH, or no AUTH)
     * @param prefix key prefix, dtm's {@code RedisPrefix}
     * @param finishedDataExpire TTL of finished transactions; zero keeps them until {@link
     *     #deleteFinished}
     * @param waitReplicas replicas that must acknowledge each write before it is acknowledged
     *     ({@code WAIT}); 0 (the default) does not wait
     * @param waitTimeout how long a write waits for {@code waitReplicas}; it fails after that
     */
    public record Config(
            String hosts,
            int port,
            String user,
            String password,
            String prefix,
            Duration finishedDataExpire,
            int waitReplicas,
            Duration waitTimeout) {

        /** Settings that do not wait for replicas. */
        public Config(
                String hosts, int port, String user, String password, String prefix, Duration finishedDataExpire) {
            this(hosts, port, user, password, prefix, finishedDataExpire, 0, Duration.ofSeconds(1));
        }

        /** Every field but the password, which must not reach a log line. */
        @Override
        public String toString() {
            return ("Config[hosts=%s, port=%d, user=%s, password=%s, prefix=%s, finishedDataExpire=%s,"
                            + " waitReplicas=%d, waitTimeout=%s]")
                    .formatted(
                            hosts,
                            port,
                            user,
                            password.isEmpty() ? "" : "***",
                            prefix,
                            finishedDataExpire,
                            waitReplicas,
                            waitTimeout);
        }
    }

    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> redis;
    /** The cluster connection, or null on a single node. */
    private final StatefulRedisClusterConnection<String, String> cluster;

    private final String prefix;
    private final String finishedExpire;
    /** Writes waiting for replicas ({@code Store.RedisWait}); null when they do not wait. */
    private final ReplicatedWrites replicated;

    private final Map<String, String> shas = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong lastRefresh = new java.util.concurrent.atomic.AtomicLong();
    private final PendingBranchWrites pending;
    private volatile boolean closed;

    private RedisStore(
            AbstractRedisClient client,
            StatefulConnection<String, String> connection,
            RedisClusterCommands<String, String> redis,
            StatefulRedisClusterConnection<String, String> cluster,
            ReplicatedWrites replicated,
            Config config) {
        this.client = client;
        this.connection = connection;
        this.redis = redis;
        this.cluster = cluster;
        this.prefix = config.prefix();
        this.finishedExpire = Long.toString(config.finishedDataExpire().toSeconds());
        this.replicated = replicated;
        this.pending = new PendingBranchWrites("dtm4j-redis", MAX_BRANCH_LAG, this::writePending);
    }

    /**
     * Connects, loads the scripts and indexes transactions and kv entries that dtm wrote under the
     * prefix (see {@link #adoptDtmData}). With one host, asks it whether it is a node of a Redis
     * Cluster ({@code INFO cluster}) and, if so, reconnects as a cluster client that discovers the
     * other nodes; several hosts are always a cluster (seed nodes).
     *
     * @throws StoreException when Redis cannot be reached, or a cluster is given a prefix without a
     *     hash tag
     */
    public static RedisStore open(Config config) {
        List<RedisURI> uris = uris(config);
        AbstractRedisClient client = null;
        RedisStore store = null;
        try {
            if (uris.size() == 1) {
                RedisClient single = RedisClient.create(uris.getFirst());
                client = single;
                var c = single.connect(StringCodec.UTF8);
                if (!clusterEnabled(c.sync())) {
                    RedisURI node = uris.getFirst();
                    store = new RedisStore(single, c, c.sync(), null, replicated(config, () -> node), config);
                } else {
                    c.close();
                    single.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                    client = null;
                }
            }
            if (store == null) {
                String tag = hashTag(config.prefix());
                if (tag == null) {
                    throw new StoreException("Store.RedisPrefix '" + config.prefix()
                            + "' has no hash tag such as {a}: on a Redis Cluster all keys of a prefix must"
                            + " share one slot");
                }
                RedisClusterClient clusterClient = RedisClusterClient.create(uris);
                client = clusterClient;
                clusterClient.setOptions(ClusterClientOptions.builder()
                        // a command for a master that went away fails at once instead of waiting for it
                        // (60 s): the round fails and is retried, and the failure refreshes the slot map
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                // MOVED answers and reconnects refresh the slot map (at most once a
                                // second), the period catches the rest
                                .enableAllAdaptiveRefreshTriggers()
                                .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                                .enablePeriodicRefresh(Duration.ofSeconds(10))
                                .build())
                        .build());
                var c = clusterClient.connect(StringCodec.UTF8);
                int slot = SlotHash.getSlot(config.prefix() + "_u");
                store = new RedisStore(
                        clusterClient,
                        c,
                        c.sync(),
                        c,
                        replicated(config, () -> {
                            clusterClient.refreshPartitions();
                            RedisClusterNode m = c.getPartitions().getMasterBySlot(slot);
                            if (m == null) {
                                throw new StoreException("no master of the Redis Cluster serves slot " + slot);
                            }
                            return RedisURI.builder(uris.getFirst())
                                    .withHost(m.getUri().getHost())
                                    .withPort(m.getUri().getPort())
                                    .build();
                        }),
                        config);
                var master = store.slotMaster();
                log.info(
                        "Redis Cluster of {} masters; prefix {} is in slot {} on {}:{}",
                        c.getPartitions().stream()
                                .filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM))
                                .count(),
                        config.prefix(),
                        SlotHash.getSlot(store.key("u")),
                        master.getUri().getHost(),
                        master.getUri().getPort());
            }
            store.ping();
            store.adoptDtmData();
            return store;
        } catch (RedisException e) {
            abandon(store, client);
            throw new StoreException("opening the Redis store at " + config.hosts() + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            abandon(store, client);
            throw e;
        }
    }

    private static ReplicatedWrites replicated(Config config, java.util.function.Supplier<RedisURI> master) {
        return config.waitReplicas() > 0
                ? new ReplicatedWrites(master, config.waitReplicas(), config.waitTimeout())
                : null;
    }

    private static List<RedisURI> uris(Config config) {
        List<RedisURI> uris = new ArrayList<>();
        for (String h : config.hosts().split(",")) {
            String host = h.trim();
            if (host.isEmpty()) {
                continue;
            }
            int port = config.port();
            int colon = host.lastIndexOf(':');
            if (colon > 0 && host.indexOf(':') == colon) {
                port = Integer.parseInt(host.substring(colon + 1));
                host = host.substring(0, colon);
            }
            RedisURI.Builder b = RedisURI.builder().withHost(host).withPort(port);
            if (!config.password().isEmpty()) {
                if (config.user().isEmpty()) {
                    b.withPassword(config.password().toCharArray());
                } else {
                    b.withAuthentication(config.user(), config.password());
                }
            }
            uris.add(b.build());
        }
        if (uris.isEmpty()) {
            throw new StoreException("Store.Host lists no Redis host");
        }
        return uris;
    }

    /** Whether the node is part of a Redis Cluster; a node that refuses INFO is taken as a single node. */
    private static boolean clusterEnabled(RedisClusterCommands<String, String> node) {
        try {
            return node.info("cluster").contains("cluster_enabled:1");
        } catch (RedisCommandExecutionException e) {
            log.debug("INFO cluster refused ({}): taking the Redis as a single node", e.getMessage());
            return false;
        }
    }

    /**
     * Returns the hash tag of {@code prefix} as Redis Cluster computes it (between the first {@code {}
     * and the first {@code }} after it, not empty), or null when the keys would not share a slot.
     */
    static String hashTag(String prefix) {
        int open = prefix.indexOf('{');
        if (open < 0) {
            return null;
        }
        int close = prefix.indexOf('}', open + 1);
        return close > open + 1 ? prefix.substring(open + 1, close) : null;
    }

    /** The master serving the prefix's slot, as the cluster client currently sees it. */
    private RedisClusterNode slotMaster() {
        RedisClusterNode master = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(key("u")));
        if (master == null) {
            throw new StoreException("no master of the Redis Cluster serves slot " + SlotHash.getSlot(key("u"))
                    + " of prefix " + prefix);
        }
        return master;
    }

    private static void abandon(RedisStore store, AbstractRedisClient client) {
        if (store != null) {
            store.pending.close();
            if (store.replicated != null) {
                store.replicated.close();
            }
        }
        if (client != null) {
            client.shutdown();
        }
    }

    /** Returns the key prefix. */
    public String prefix() {
        return prefix;
    }

    @Override
    public void ping() {
        call("ping", () -> redis.ping());
    }

    @Override
    public Optional<GlobalTrans> findGlobal(String gid) {
        String json = call("findGlobal gid=" + gid, () -> redis.get(key("g", gid)));
        return Optional.ofNullable(json).map(Json::global);
    }

    @Override
    public Page<GlobalTrans> scanGlobals(String position, int limit, GlobalFilter filter) {
        Predicate<GlobalTrans> keep = filter::keeps;
        return scanIndex(
                "scanGlobals",
                "gi",
                position,
                limit,
                gid -> key("g", gid),
                Json::global,
                keep,
                Scripts.DROP_STALE_GLOBAL);
    }

    @Override
    public List<BranchOp> findBranches(String gid) {
        List<String> rows = call("findBranches gid=" + gid, () -> redis.lrange(key("b", gid), 0, -1));
        return rows.stream().map(Json::branch).toList();
    }

    @Override
    public boolean saveNew(GlobalTrans global, List<BranchOp> branches) {
        List<String> args = new ArrayList<>();
        args.add(global.gid());
        args.add(global.status().wire());
        args.add(Json.global(global));
        args.add(Json.score(global.nextCronTime() != null ? global.nextCronTime() : global.createTime()));
        args.add(Json.score(global.updateTime()));
        for (BranchOp b : branches) {
            args.add(Json.branch(global.gid(), b));
        }
        return run("saveNew gid=" + global.gid(), Scripts.SAVE_NEW, key("g", global.gid()), args) == 1L;
    }

    @Override
    public AppendResult appendBranches(String gid, TransStatus expected, List<BranchOp> branches) {
        // rare with pending branch writes (a registration while a round of the gid runs): one more call
        return pending.carry(gid, earlier -> {
            if (!earlier.isEmpty()) {
                setBranches(gid, earlier);
            }
            return append(gid, expected, branches);
        });
    }

    private AppendResult append(String gid, TransStatus expected, List<BranchOp> branches) {
        List<String> args = new ArrayList<>();
        args.add(gid);
        args.add(expected.wire());
        for (BranchOp b : branches) {
            args.add(b.branchId());
            args.add(b.op());
            args.add(Json.branch(gid, b));
        }
        Object r =
                eval("appendBranches gid=" + gid, Scripts.APPEND_BRANCHES, ScriptOutputType.VALUE, key("g", gid), args);
        return switch (String.valueOf(r)) {
            case "MISMATCH" -> AppendResult.STATUS_MISMATCH;
            case "DUPLICATE" -> AppendResult.DUPLICATE;
            default -> AppendResult.APPENDED;
        };
    }

    @Override
    public boolean updateBranchStatus(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        var write = new PendingBranchWrites.Write(gid, branchId, op, status, now, owner);
        return pending.carry(gid, earlier -> {
            List<PendingBranchWrites.Write> all = new ArrayList<>(earlier);
            all.add(write);
            return setBranches(gid, all);
        });
    }

    /**
     * Buffers the write; the next synchronous write of {@code gid} (status change, cron update, branch
     * update or append) or {@link #flush} applies it in its script, before its own change, fenced by
     * the owner it was issued under (see {@link Scripts#UPDATE_BRANCHES}).
     */
    @Override
    public void updateBranchStatusOrdered(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        pending.add(new PendingBranchWrites.Write(gid, branchId, op, status, now, owner));
    }

    @Override
    public void flush() {
        pending.flush();
    }

    private boolean writePending(List<PendingBranchWrites.Write> writes) {
        return setBranches(writes.getFirst().gid(), writes);
    }

    private boolean setBranches(String gid, List<PendingBranchWrites.Write> writes) {
        List<String> args = new ArrayList<>();
        args.add(gid);
        addBranchWrites(args, writes);
        return run("updateBranchStatus gid=" + gid, Scripts.UPDATE_BRANCHES, key("g", gid), args) == 1L;
    }

    /**
     * Appends pending branch writes to a script's arguments. A script applies each only while the
     * owner it was issued under holds the transaction, whatever its own outcome: exactly the writes
     * that would have succeeded had they been written synchronously, since a claim token is never
     * reused (a round that lost its claim loses them with its status or cron write; writes of the
     * current owner survive a status write that lost only on the status, e.g. after a forceStop).
     */
    private static void addBranchWrites(List<String> args, List<PendingBranchWrites.Write> writes) {
        for (PendingBranchWrites.Write w : writes) {
            args.add(w.branchId());
            args.add(w.op());
            args.add(w.status().wire());
            args.add(Json.time(w.now()));
            args.add(flag(w.owner()));
            args.add(orEmpty(w.owner()));
        }
    }

    @Override
    public boolean changeGlobalStatus(String gid, StatusChange c) {
        return pending.carry(gid, earlier -> {
            List<String> args = new ArrayList<>(List.of(
                    gid,
                    c.from().wire(),
                    c.to().wire(),
                    Json.time(c.now()),
                    Json.score(c.now()),
                    flag(c.rollbackReason()),
                    orEmpty(c.rollbackReason()),
                    flag(c.result()),
                    orEmpty(c.result()),
                    flag(c.owner()),
                    orEmpty(c.owner()),
                    flag(c.newOwner()),
                    orEmpty(c.newOwner())));
            addBranchWrites(args, earlier);
            return run("changeGlobalStatus gid=" + gid, Scripts.CHANGE_STATUS, key("g", gid), args) == 1L;
        });
    }

    @Override
    public boolean touchCronTime(
            String gid, TransStatus expected, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        return pending.carry(gid, earlier -> {
            List<String> args = new ArrayList<>(List.of(
                    gid,
                    expected.wire(),
                    flag(owner),
                    orEmpty(owner),
                    Long.toString(intervalSeconds),
                    Json.time(nextCronTime),
                    Json.score(nextCronTime),
                    Json.time(now),
                    Json.score(now)));
            addBranchWrites(args, earlier);
            return run("touchCronTime gid=" + gid, Scripts.TOUCH_CRON, key("g", gid), args) == 1L;
        });
    }

    /**
     * Two scripts: one reads the due candidates page by page, {@code mayClaim} picks among them here,
     * the other claims the picked ones that are still due. A candidate refused is never written.
     */
    @Override
    public List<GlobalTrans> claimDue(
            Instant dueBy, Instant leaseUntil, String owner, int limit, Instant now, Predicate<String> mayClaim) {
        List<String> picked = new ArrayList<>();
        for (long offset = 0; picked.size() < limit; ) {
            List<Object> page = eval(
                    "claimDue owner=" + owner,
                    Scripts.DUE_CANDIDATES,
                    ScriptOutputType.MULTI,
                    key("u"),
                    List.of(Json.score(dueBy), Long.toString(offset), Integer.toString(limit)));
            long scanned = (Long) page.get(0);
            for (Object gid : page.subList(2, page.size())) {
                // a member can show up on two pages when the schedule changed in between
                if (picked.size() < limit && !picked.contains(gid) && mayClaim.test((String) gid)) {
                    picked.add((String) gid);
                }
            }
            if (scanned < limit) {
                break;
            }
            offset += scanned - (Long) page.get(1);
        }
        if (picked.isEmpty()) {
            return List.of();
        }
        List<String> args = new ArrayList<>(
                List.of(Json.score(dueBy), Json.time(leaseUntil), Json.score(leaseUntil), owner, Json.time(now)));
        args.addAll(picked);
        List<Object> rows = eval("claimDue owner=" + owner, Scripts.CLAIM, ScriptOutputType.MULTI, key("u"), args);
        return rows.stream().map(r -> Json.global((String) r)).toList();
    }

    @Override
    public long countDue(Instant dueBy) {
        // the schedule may still hold a few finished members until a claim meets them: close enough for a gauge
        return call(
                "countDue",
                () -> redis.zcount(
                        key("u"), Range.create(Double.NEGATIVE_INFINITY, Double.parseDouble(Json.score(dueBy)))));
    }

    /**
     * Redis keeps no index by status: the statuses of the schedule's members (unfinished) and of the
     * retention index's (finished, newest first) are read, at most {@code cap} of each index; when
     * an index holds more, its statuses' counts are lower bounds.
     */
    @Override
    public Map<TransStatus, StatusCount> countByStatus(long cap) {
        Map<TransStatus, StatusCount> counts = new EnumMap<>(TransStatus.class);
        countStatuses(key("u"), cap, s -> s != TransStatus.SUCCEED && s != TransStatus.FAILED, counts);
        countStatuses(key("f"), cap, s -> s == TransStatus.SUCCEED || s == TransStatus.FAILED, counts);
        return counts;
    }

    private void countStatuses(
            String index, long cap, Predicate<TransStatus> belongs, Map<TransStatus, StatusCount> counts) {
        Map<TransStatus, Long> seen = new EnumMap<>(TransStatus.class);
        long read = 0;
        boolean more = false;
        while (true) {
            long from = read;
            List<String> gids = call("countByStatus", () -> redis.zrevrange(index, from, from + SCAN_CHUNK - 1));
            if (read + gids.size() > cap) {
                gids = gids.subList(0, (int) (cap - read));
                more = true;
            }
            read += gids.size();
            if (!gids.isEmpty()) {
                String[] keys = gids.stream().map(gid -> key("s", gid)).toArray(String[]::new);
                for (KeyValue<String, String> kv : call("countByStatus", () -> redis.mget(keys))) {
                    // a member whose keys expired, or one the schedule still holds after it finished, counts nowhere
                    TransStatus status =
                            kv.hasValue() ? TransStatus.fromWire(kv.getValue()).orElse(null) : null;
                    if (status != null && belongs.test(status)) {
                        seen.merge(status, 1L, Long::sum);
                    }
                }
            }
            if (more || gids.size() < SCAN_CHUNK) {
                break;
            }
        }
        for (TransStatus status : TransStatus.values()) {
            if (belongs.test(status)) {
                counts.put(status, new StatusCount(seen.getOrDefault(status, 0L), more));
            }
        }
    }

    @Override
    public ResetResult resetCronTime(Instant after, int limit, Instant now) {
        List<Object> r = eval(
                "resetCronTime",
                Scripts.RESET_CRON,
                ScriptOutputType.MULTI,
                key("u"),
                List.of(Json.score(after), Integer.toString(Math.max(limit, 0)), Json.time(now), Json.score(now)));
        long changed = (Long) r.get(0);
        long found = (Long) r.get(1);
        return new ResetResult((int) changed, found > limit);
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return run(
                        "resetNextCronTime gid=" + gid,
                        Scripts.RESET_NEXT_CRON,
                        key("g", gid),
                        List.of(gid, Json.time(now), Json.score(now)))
                == 1L;
    }

    @Override
    public int deleteFinished(Instant finishedBefore, int limit) {
        if (limit <= 0) {
            return 0;
        }
        return (int) run(
                "deleteFinished",
                Scripts.DELETE_FINISHED,
                key("f"),
                List.of(Json.score(finishedBefore), Integer.toString(limit)));
    }

    @Override
    public Page<KvEntry> scanKv(String cat, String position, int limit) {
        return scanIndex(
                "scanKv cat=" + cat,
                "kvi",
                position,
                limit,
                member -> prefix + "_kv_" + member,
                Json::kv,
                kv -> cat.isEmpty() || kv.cat().equals(cat),
                Scripts.DROP_STALE_KV);
    }

    @Override
    public List<KvEntry> findKv(String cat, String key) {
        if (!key.isEmpty()) {
            String json = call("findKv", () -> redis.get(kvKey(cat, key)));
            return json == null
                    ? List.of()
                    : List.of(Json.kv(json)).stream()
                            .filter(kv -> kv.cat().equals(cat) && kv.key().equals(key))
                            .toList();
        }
        List<KvEntry> all = new ArrayList<>();
        Page<KvEntry> page = scanKv(cat, "", SCAN_CHUNK);
        while (true) {
            all.addAll(page.items());
            if (page.nextPosition().isEmpty()) {
                break;
            }
            page = scanKv(cat, page.nextPosition(), SCAN_CHUNK);
        }
        return all.stream().sorted(Comparator.comparingLong(KvEntry::id)).toList();
    }

    @Override
    public boolean createKv(String cat, String key, String value, Instant now) {
        return run(
                        "createKv cat=" + cat + " key=" + key,
                        Scripts.CREATE_KV,
                        kvKey(cat, key),
                        List.of(kvMember(cat, key), Json.kv(cat, key, value, now)))
                == 1L;
    }

    @Override
    public boolean updateKv(String cat, String key, String value, long expectedVersion, Instant now) {
        return run(
                        "updateKv cat=" + cat + " key=" + key,
                        Scripts.UPDATE_KV,
                        kvKey(cat, key),
                        List.of(kvMember(cat, key), value, Long.toString(expectedVersion), Json.time(now)))
                == 1L;
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return run(
                        "deleteKv cat=" + cat + " key=" + key,
                        Scripts.DELETE_KV,
                        kvKey(cat, key),
                        List.of(kvMember(cat, key)))
                == 1L;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            pending.flush();
        } catch (StoreException e) {
            log.warn("branch statuses not written at close: {}", e.getMessage());
        } finally {
            closed = true;
            pending.close();
            if (replicated != null) {
                replicated.close();
            }
            try {
                connection.close();
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    /**
     * Lists, gives ids to and takes under dtm4j's expiry policy the globals and kv entries that dtm
     * wrote under this prefix (they carry id 0 and are in no dtm4j index). The first open of a prefix
     * SCANs for them, which walks Redis' whole keyspace, and then sets {@code <prefix>_adopted}; later
     * opens only index the unfinished transactions of the schedule that lack an id (written by a dtm
     * node since), so that a start costs nothing on a big shared Redis. A dtm server must not write
     * under the prefix during the first open; deleting {@code <prefix>_adopted} asks for a full pass again.
     */
    void adoptDtmData() {
        boolean firstOpen = call("adopt", () -> redis.exists(key("adopted"))) == 0;
        int globals = 0;
        int kvs = 0;
        String gPrefix = prefix + "_g_";
        List<String> candidates = firstOpen
                ? scanKeys(gPrefix).stream()
                        .map(k -> k.substring(gPrefix.length()))
                        .toList()
                : call("adopt", () -> redis.zrange(key("u"), 0, -1));
        for (String gid : candidates) {
            if (call("adopt", () -> redis.zscore(key("gi"), gid)) != null) {
                continue;
            }
            String json = call("adopt", () -> redis.get(key("g", gid)));
            if (json == null) {
                continue;
            }
            GlobalTrans g = Json.global(json);
            Instant updated = g.updateTime() != null ? g.updateTime() : Instant.EPOCH;
            Instant next = g.nextCronTime() != null ? g.nextCronTime() : updated;
            globals += (int) run(
                    "adopt gid=" + gid,
                    Scripts.ADOPT_GLOBAL,
                    key("g", gid),
                    List.of(gid, Json.score(next), Json.score(updated)));
        }
        if (firstOpen) {
            String kvPrefix = prefix + "_kv_";
            for (String k : scanKeys(kvPrefix)) {
                String member = k.substring(kvPrefix.length());
                if (call("adopt", () -> redis.zscore(key("kvi"), member)) == null) {
                    kvs += (int) run("adopt kv " + member, Scripts.ADOPT_KV, k, List.of(member));
                }
            }
            call("adopt", () -> redis.set(key("adopted"), "1"));
        }
        if (globals + kvs > 0) {
            log.info("indexed {} transactions and {} kv entries written by dtm under prefix {}", globals, kvs, prefix);
        }
    }

    /** SCANs for keys starting with {@code keyPrefix}; on a cluster, only the master of the prefix's slot holds them. */
    private List<String> scanKeys(String keyPrefix) {
        RedisClusterCommands<String, String> on = cluster == null
                ? redis
                : cluster.getConnection(slotMaster().getNodeId()).sync();
        List<String> keys = new ArrayList<>();
        ScanArgs args = ScanArgs.Builder.matches(globEscape(keyPrefix) + "*").limit(1000);
        KeyScanCursor<String> cursor = call("scan", () -> on.scan(args));
        while (true) {
            keys.addAll(cursor.getKeys());
            if (cursor.isFinished()) {
                return keys;
            }
            KeyScanCursor<String> current = cursor;
            cursor = call("scan", () -> on.scan(ScanCursor.of(current.getCursor()), args));
        }
    }

    private static String globEscape(String s) {
        return s.replaceAll("([\\\\*?\\[\\]])", "\\\\$1");
    }

    /** Pages an id index newest first; members whose object is gone are dropped from the index. */
    private <T> Page<T> scanIndex(
            String what,
            String index,
            String position,
            int limit,
            Function<String, String> keyOf,
            Function<String, T> parse,
            Predicate<T> keep,
            String dropScript) {
        double upper;
        try {
            upper = position.isEmpty() ? Double.POSITIVE_INFINITY : Long.parseLong(position);
        } catch (NumberFormatException e) {
            throw new StoreException(what + ": invalid position '" + position + "'", e);
        }
        if (limit <= 0) {
            return new Page<>(List.of(), "");
        }
        List<T> items = new ArrayList<>();
        long lastId = 0;
        boolean exhausted = false;
        while (items.size() < limit && !exhausted) {
            Range<Double> range = Range.from(
                    Range.Boundary.unbounded(),
                    Double.isInfinite(upper) ? Range.Boundary.unbounded() : Range.Boundary.excluding(upper));
            List<ScoredValue<String>> chunk =
                    call(what, () -> redis.zrevrangebyscoreWithScores(key(index), range, Limit.create(0, SCAN_CHUNK)));
            if (chunk.isEmpty()) {
                break;
            }
            exhausted = chunk.size() < SCAN_CHUNK;
            String[] keys = chunk.stream().map(v -> keyOf.apply(v.getValue())).toArray(String[]::new);
            List<KeyValue<String, String>> values = call(what, () -> redis.mget(keys));
            for (int i = 0; i < chunk.size(); i++) {
                ScoredValue<String> member = chunk.get(i);
                upper = member.getScore();
                KeyValue<String, String> kv = values.get(i);
                if (!kv.hasValue()) {
                    run(what + " drop", dropScript, keys[i], List.of(member.getValue()));
                    continue;
                }
                T item = parse.apply(kv.getValue());
                if (keep.test(item)) {
                    items.add(item);
                    lastId = (long) member.getScore();
                    if (items.size() == limit) {
                        break;
                    }
                }
            }
        }
        return new Page<>(items, items.size() == limit ? Long.toString(lastId) : "");
    }

    private String key(String kind, String gid) {
        return prefix + "_" + kind + "_" + gid;
    }

    private String key(String name) {
        return prefix + "_" + name;
    }

    private static String kvMember(String cat, String key) {
        return cat + "_" + key;
    }

    private String kvKey(String cat, String key) {
        return prefix + "_kv_" + kvMember(cat, key);
    }

    private static String flag(String s) {
        return s != null ? "1" : "0";
    }

    private static String orEmpty(String s) {
        return s != null ? s : "";
    }

    private long run(String what, String script, String routingKey, List<String> args) {
        Object r = eval(what, script, ScriptOutputType.INTEGER, routingKey, args);
        return (Long) r;
    }

    /**
     * Runs a script by its SHA, loading it when Redis does not know it (first use, or after a
     * restart or failover). With {@code Store.RedisWait} set, a write then waits for its replicas
     * ({@link ReplicatedWrites}); without, this is one round trip.
     */
    private <T> T eval(String what, String script, ScriptOutputType type, String routingKey, List<String> args) {
        String[] argv = new String[args.size() + 2];
        argv[0] = prefix;
        argv[1] = finishedExpire;
        for (int i = 0; i < args.size(); i++) {
            argv[i + 2] = args.get(i);
        }
        String[] keys = {routingKey};
        if (replicated != null && mustReplicate(script)) {
            return call(what, () -> {
                String sha = shas.computeIfAbsent(script, redis::scriptLoad);
                return replicated.eval(what, sha, script, type, keys, argv);
            });
        }
        return call(what, () -> evalOn(redis, script, type, keys, argv));
    }

    /**
     * Whether a success of the script must wait for the replicas: every write the engine relies on.
     * Reading the due candidates and dropping index entries of expired transactions are redone by
     * the next caller when lost.
     */
    private static boolean mustReplicate(String script) {
        return !(script.equals(Scripts.DUE_CANDIDATES)
                || script.equals(Scripts.DROP_STALE_GLOBAL)
                || script.equals(Scripts.DROP_STALE_KV));
    }

    private <T> T evalOn(
            RedisClusterCommands<String, String> on,
            String script,
            ScriptOutputType type,
            String[] keys,
            String[] argv) {
        String sha = shas.computeIfAbsent(script, on::scriptLoad);
        try {
            return on.evalsha(sha, type, keys, argv);
        } catch (RedisNoScriptException e) {
            shas.put(script, on.scriptLoad(script));
            return on.evalsha(shas.get(script), type, keys, argv);
        }
    }

    private <T> T call(String what, java.util.function.Supplier<T> command) {
        if (closed) {
            throw new StoreException(what + ": the Redis store is closed");
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return command.get();
            } catch (RedisException e) {
                if (cluster != null && !(e instanceof RedisCommandExecutionException)) {
                    refreshSlotMap();
                    if (notSent(e) && attempt < NOT_CONNECTED_ATTEMPTS) {
                        pause();
                        continue;
                    }
                }
                throw new StoreException(what + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Whether the cluster client refused the command without sending it: its connection to the node
     * is not (yet) up. A new node connection (at start, after a failover) refuses commands until it
     * is connected, so the command is tried again, for up to a second.
     */
    private static boolean notSent(RedisException e) {
        return e.getMessage() != null && e.getMessage().startsWith("Currently not connected");
    }

    private static void pause() {
        try {
            Thread.sleep(NOT_CONNECTED_PAUSE);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a Redis connection", ie);
        }
    }

    /**
     * Asks the cluster client to read the slot map again, at most once a second: a failed command
     * (a master that went away) is the earliest sign of a failover, earlier than Lettuce's own
     * triggers, which wait for reconnect attempts.
     */
    private void refreshSlotMap() {
        long now = System.nanoTime();
        long last = lastRefresh.get();
        if (now - last > 1_000_000_000L && lastRefresh.compareAndSet(last, now)) {
            ((RedisClusterClient) client).refreshPartitionsAsync();
        }
    }
}
