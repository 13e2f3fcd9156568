package io.dtm4j.server.store.redis;

import io.dtm4j.server.store.StoreException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Script writes that return only once {@code replicas} replicas have them: each runs as {@code
 * EVALSHA} followed, without waiting, by {@code WAIT replicas timeout} on the same connection (WAIT
 * covers what its own connection wrote). They use a connection of their own to the master holding the
 * prefix's slot, because Redis serves no further command of a connection while its WAIT blocks: on
 * the store's shared connection every read would queue behind the WAITs.
 *
 * <p>One connection by default. With W1 on two shared cores and loopback replication
 * ({@code bench/redis-wait.sh}, docs/operations.md) 8 connections taken in turn served 20 % fewer
 * sagas than one next to a single master and 10–40 % more on a cluster, in both rounds each: no
 * difference that machine resolves. Across a real network concurrent WAITs sharing one acknowledgement
 * may favour several; {@code -Ddtm4j.redis.waitConnections=N} sets the count.
 *
 * <p>On a Redis Cluster the master is looked up in the cluster client's view of the slots; a {@code
 * MOVED} answer (the slot moved, e.g. after a failover: the script did not run) reconnects to the
 * new master and runs the write once more; a write without an answer makes the next one look the
 * master up again. Thread-safe.
 */
final class ReplicatedWrites implements AutoCloseable {
    /** Connections per store: 1, or the system property {@code dtm4j.redis.waitConnections} (1–64). */
    static final int CONNECTIONS = Math.clamp(Integer.getInteger("dtm4j.redis.waitConnections", 1), 1, 64);

    private final RedisClient client = RedisClient.create();
    private final Supplier<RedisURI> master;
    private final int replicas;
    private final long timeoutMillis;
    private final long resultMillis;
    private final AtomicInteger turn = new AtomicInteger();

    @SuppressWarnings("unchecked")
    private final StatefulRedisConnection<String, String>[] connections = new StatefulRedisConnection[CONNECTIONS];

    private RedisURI connectedTo;
    /** Set after a write found no answer: the next one looks the master up again. */
    private volatile boolean stale;

    /**
     * @param master returns the address (with credentials) of the master serving the prefix's slot;
     *     called again after a MOVED answer
     * @param replicas replicas that must acknowledge each write, at least 1
     * @param timeout how long WAIT waits for them
     */
    ReplicatedWrites(Supplier<RedisURI> master, int replicas, Duration timeout) {
        // a write to a master that went away fails at once, so that the next looks for the new one
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .build());
        this.master = master;
        this.replicas = replicas;
        this.timeoutMillis = timeout.toMillis();
        this.resultMillis = timeout.toMillis() + RedisURI.DEFAULT_TIMEOUT_DURATION.toMillis();
    }

    /**
     * Runs the script and waits for the replicas.
     *
     * @throws StoreException when fewer replicas acknowledged within the timeout: the write is applied
     *     on the master, but a failover may lose it
     * @throws RedisException when Redis refused the script or did not answer: the script may have run
     */
    <T> T eval(String what, String sha, String script, ScriptOutputType type, String[] keys, String[] argv) {
        try {
            return evalAndWait(what, connection(false), sha, script, type, keys, argv);
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("MOVED")) {
                throw e;
            }
            // the script did not run: once more on the master the cluster now names
            StatefulRedisConnection<String, String> c = connection(true);
            return evalAndWait(what, c, sha, script, type, keys, argv);
        } catch (RedisException e) {
            // no answer (the master is down?): the next write looks the master up again
            stale = true;
            throw e;
        }
    }

    private <T> T evalAndWait(
            String what,
            StatefulRedisConnection<String, String> c,
            String sha,
            String script,
            ScriptOutputType type,
            String[] keys,
            String[] argv) {
        RedisAsyncCommands<String, String> redis = c.async();
        RedisFuture<T> result = redis.evalsha(sha, type, keys, argv);
        RedisFuture<Long> acknowledged = redis.waitForReplication(replicas, timeoutMillis);
        T value;
        try {
            value = await(result);
        } catch (RedisNoScriptException e) {
            // this master has not seen the script (a new connection's node, a promoted replica)
            await(acknowledged);
            await(redis.scriptLoad(script));
            result = redis.evalsha(sha, type, keys, argv);
            acknowledged = redis.waitForReplication(replicas, timeoutMillis);
            value = await(result);
        }
        long count = await(acknowledged);
        if (count < replicas) {
            throw new StoreException(what + ": written on the Redis master, but " + count + " of " + replicas
                    + " replicas (Store.RedisWait) acknowledged it within " + timeoutMillis
                    + " ms: a failover may lose it");
        }
        return value;
    }

    /**
     * Returns the next connection in turn, to the master serving the slot. After a MOVED ({@code
     * moved}) or a failed write, looks the master up first and reconnects when it changed.
     */
    private synchronized StatefulRedisConnection<String, String> connection(boolean moved) {
        if (moved || stale || connectedTo == null) {
            RedisURI now = master.get();
            if (connectedTo != null && !sameNode(now, connectedTo)) {
                closeConnections();
            } else if (moved) {
                throw new RedisException("the Redis Cluster answered MOVED but still names " + now.getHost() + ":"
                        + now.getPort() + " as the master of the slot");
            }
            connectedTo = now;
            stale = false;
        }
        int i = Math.floorMod(turn.getAndIncrement(), CONNECTIONS);
        if (connections[i] == null || !connections[i].isOpen()) {
            connections[i] = client.connect(StringCodec.UTF8, connectedTo);
        }
        return connections[i];
    }

    private static boolean sameNode(RedisURI a, RedisURI b) {
        return a.getHost().equals(b.getHost()) && a.getPort() == b.getPort();
    }

    private <V> V await(RedisFuture<V> future) {
        try {
            return future.get(resultMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisException re) {
                throw re;
            }
            throw new RedisException(e.getCause());
        } catch (TimeoutException e) {
            throw new RedisException("no answer from Redis within " + resultMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted", e);
        }
    }

    private void closeConnections() {
        for (int i = 0; i < connections.length; i++) {
            if (connections[i] != null) {
                connections[i].closeAsync();
                connections[i] = null;
            }
        }
    }

    @Override
    public synchronized void close() {
        closeConnections();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
