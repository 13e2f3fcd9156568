package io.dtm4j.server.store.redis;

import static io.dtm4j.protocol.TransStatus.SUBMITTED;
import static io.dtm4j.protocol.TransStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreException;
import io.dtm4j.server.testing.RedisClusterProcess;
import io.dtm4j.server.testing.RedisTestSupport;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the Redis store's tests against a Redis Cluster of three masters and three replicas ({@link
 * RedisClusterProcess}). Every store is opened with {@code Host} naming one master that does not
 * serve the prefix's slot, as a user pointing the server at "a node of the cluster" would: the store
 * must notice the cluster and follow the slot to its master.
 */
class RedisClusterStoreTest extends RedisStoreTest {
    private RedisClusterProcess cluster;

    @Override
    protected Store createStore() {
        cluster = RedisClusterProcess.shared();
        prefix = RedisTestSupport.freshPrefix();
        return RedisStore.open(config(prefix));
    }

    @Override
    protected RedisStore.Config config(String prefix) {
        return new RedisStore.Config("127.0.0.1", cluster.otherMaster(prefix), "", "", prefix, Duration.ofDays(1));
    }

    @Override
    protected RedisClusterCommands<String, String> raw() {
        if (rawOpen == null) {
            RedisClusterClient client = RedisClusterClient.create(cluster.nodes().stream()
                    .map(n -> RedisURI.create("redis://" + n))
                    .toList());
            StatefulRedisClusterConnection<String, String> c = client.connect();
            rawOpen = keepRaw(client, c, c.sync());
        }
        return rawOpen;
    }

    private RedisClusterCommands<String, String> rawOpen;

    @Override
    protected void deleteKeys(String prefix) {
        rawOpen = null;
        cluster.deleteKeys(prefix);
    }

    @Test
    void theStoreFollowsThePrefixSlotToItsMaster() {
        int owner = cluster.masterOf(prefix);
        int asked = cluster.otherMaster(prefix);
        assertThat(asked).isNotEqualTo(owner);

        save(global("g1", SUBMITTED, now));

        assertThat(cluster.holds(owner, prefix + "_g_g1")).isTrue();
        assertThat(cluster.holds(asked, prefix + "_g_g1")).isFalse();
        assertThat(stored("g1").status()).isEqualTo(SUBMITTED);
    }

    @Test
    void prefixesInSlotsOfDifferentMastersSpreadTheTransactionsOverThem() {
        List<String> prefixes = new ArrayList<>();
        List<Integer> masters = new ArrayList<>();
        while (prefixes.size() < 2) {
            String p = RedisTestSupport.freshPrefix();
            int m = cluster.masterOf(p);
            if (!masters.contains(m)) {
                prefixes.add(p);
                masters.add(m);
            }
        }
        try {
            for (String p : prefixes) {
                try (RedisStore s = RedisStore.open(config(p))) {
                    assertThat(s.saveNew(global("g-" + p, SUBMITTED, now), List.of()))
                            .isTrue();
                    assertThat(s.changeGlobalStatus("g-" + p, StatusChange.of(SUBMITTED, SUCCEED, now)))
                            .isTrue();
                }
            }

            for (int i = 0; i < 2; i++) {
                String own = prefixes.get(i) + "_g_g-" + prefixes.get(i);
                String other = prefixes.get(1 - i) + "_g_g-" + prefixes.get(1 - i);
                assertThat(cluster.holds(masters.get(i), own)).as(own).isTrue();
                assertThat(cluster.holds(masters.get(i), other)).as(other).isFalse();
            }
        } finally {
            prefixes.forEach(cluster::deleteKeys);
        }
    }

    @Test
    void aReplicaGivenAsHostIsEnough() {
        store.close();
        store = RedisStore.open(
                new RedisStore.Config("127.0.0.1", cluster.replicas().getFirst(), "", "", prefix, Duration.ofDays(1)));

        save(global("g1", SUBMITTED, now));
        assertThat(cluster.holds(cluster.masterOf(prefix), prefix + "_g_g1")).isTrue();
    }

    @Test
    void aSeedListStartsWhenItsFirstNodeIsDown() {
        store.close();
        int unused = cluster.masters().getFirst() + 1;
        while (cluster.nodes().contains("127.0.0.1:" + unused)) {
            unused++;
        }
        store = RedisStore.open(new RedisStore.Config(
                "127.0.0.1:" + unused + ",127.0.0.1:" + cluster.otherMaster(prefix),
                0,
                "",
                "",
                prefix,
                Duration.ofDays(1)));

        save(global("g1", SUBMITTED, now));
        assertThat(store.findGlobal("g1")).map(GlobalTrans::gid).contains("g1");
    }

    @Test
    void aPrefixWithoutAHashTagIsRefusedOnACluster() {
        assertThatThrownBy(() -> RedisStore.open(config("dtm-no-tag")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("Store.RedisPrefix 'dtm-no-tag' has no hash tag");
        assertThatThrownBy(() -> RedisStore.open(config("{}{a}")))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("has no hash tag");
    }

    @Test
    void writesWaitForTheReplicaWhenAsked() {
        store.close();
        store = RedisStore.open(new RedisStore.Config(
                "127.0.0.1",
                cluster.otherMaster(prefix),
                "",
                "",
                prefix,
                Duration.ofDays(1),
                1,
                Duration.ofSeconds(2)));
        save(global("g1", SUBMITTED, now));
        assertThat(store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, SUCCEED, now)))
                .isTrue();

        assertThat(stored("g1").status()).isEqualTo(SUCCEED);
    }

    @Test
    void aWriteFailsWhenFewerReplicasThanAskedAcknowledgeIt() {
        store.close();
        store = RedisStore.open(new RedisStore.Config(
                "127.0.0.1",
                cluster.otherMaster(prefix),
                "",
                "",
                prefix,
                Duration.ofDays(1),
                2, // each master has one replica
                Duration.ofMillis(50)));

        assertThatThrownBy(() -> store.saveNew(global("g1", SUBMITTED, now), List.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("saveNew gid=g1")
                .hasMessageContaining("1 of 2 replicas (Store.RedisWait) acknowledged it within 50 ms");
    }
}
