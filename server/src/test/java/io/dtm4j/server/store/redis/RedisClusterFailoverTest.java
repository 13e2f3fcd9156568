package io.dtm4j.server.store.redis;

import static io.dtm4j.protocol.TransStatus.SUBMITTED;
import static io.dtm4j.protocol.TransStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.protocol.TransType;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.StoreException;
import io.dtm4j.server.testing.RedisClusterProcess;
import io.dtm4j.server.testing.RedisTestSupport;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A crash of the master serving a prefix's slot, on a cluster of this test's own: the replica takes
 * over ({@code cluster-node-timeout} 2 s), the store follows it without a restart, and with {@code
 * Store.RedisWait: 1} every write it acknowledged before the crash is on the new master. The new
 * master has no replica until the old one comes back, and writes are refused meanwhile, as {@code
 * RedisWait: 1} asks.
 */
class RedisClusterFailoverTest {
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @Test
    void writesAcknowledgedWithRedisWaitSurviveTheCrashOfTheMasterAndTheStoreFollowsItsReplica() throws Exception {
        try (RedisClusterProcess cluster = RedisClusterProcess.startPrivate()) {
            String prefix = RedisTestSupport.freshPrefix();
            int master = cluster.masterOf(prefix);
            var config = new RedisStore.Config(
                    "127.0.0.1",
                    cluster.otherMaster(prefix),
                    "",
                    "",
                    prefix,
                    Duration.ofDays(1),
                    1,
                    Duration.ofSeconds(1));
            try (RedisStore store = RedisStore.open(config)) {
                for (int i = 0; i < 50; i++) {
                    assertThat(store.saveNew(global("before-" + i), List.of())).isTrue();
                }
                assertThat(store.changeGlobalStatus("before-0", StatusChange.of(SUBMITTED, SUCCEED, now)))
                        .isTrue();

                long killed = System.nanoTime();
                cluster.kill(master);

                // reads fail until the replica is promoted, then find every acknowledged write there
                awaitNoError(
                        "reading after the failover",
                        () -> store.findGlobal("before-49").orElseThrow());
                long readable = System.nanoTime();
                int promoted = cluster.masterOf(prefix);
                assertThat(promoted).isNotEqualTo(master);
                for (int i = 0; i < 50; i++) {
                    assertThat(store.findGlobal("before-" + i))
                            .as("before-" + i)
                            .isPresent();
                }
                assertThat(store.findGlobal("before-0").map(GlobalTrans::status))
                        .contains(SUCCEED);

                // the promoted master has no replica: a write is refused, not acknowledged unreplicated
                // (the first attempts may still go to the old master's address, and fail to connect)
                awaitFailure(
                        "a write with no replica left",
                        () -> store.saveNew(global("alone"), List.of()),
                        "0 of 1 replicas (Store.RedisWait) acknowledged it");

                cluster.restart(master); // rejoins as the replica of the promoted master
                // a fresh gid per attempt: a write whose WAIT timed out (the replica still syncing) is stored
                AtomicInteger attempt = new AtomicInteger();
                awaitNoError(
                        "writing once the old master is back as a replica",
                        () -> store.saveNew(global("after-" + attempt.incrementAndGet()), List.of()));
                assertThat(cluster.holds(promoted, prefix + "_g_after-" + attempt.get()))
                        .isTrue();
                System.out.printf(
                        "[failover] kill of the master to the first read on the promoted replica: %d ms;"
                                + " to the first replicated write after the old master rejoined: %d ms%n",
                        (readable - killed) / 1_000_000, (System.nanoTime() - killed) / 1_000_000);
            }
        }
    }

    private static void awaitFailure(String what, Supplier<?> action, String message) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        StoreException last = null;
        while (System.nanoTime() < deadline) {
            try {
                action.get();
                throw new AssertionError(what + ": succeeded");
            } catch (StoreException e) {
                if (e.getMessage().contains(message)) {
                    return;
                }
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError(what + ": never failed with '" + message + "' in 30 s", last);
    }

    private static <T> T awaitNoError(String what, Supplier<T> action) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new AssertionError(what + ": still failing after 30 s", last);
    }

    private GlobalTrans global(String gid) {
        return new GlobalTrans(
                0,
                gid,
                TransType.SAGA,
                SUBMITTED,
                "",
                "http",
                now,
                now,
                null,
                null,
                "",
                "",
                10,
                now.plusSeconds(10),
                "api-round",
                "",
                "",
                "");
    }
}
