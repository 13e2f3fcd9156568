package io.dtm4j.server.store.redis;

import static io.dtm4j.protocol.TransStatus.PREPARED;
import static io.dtm4j.protocol.TransStatus.SUBMITTED;
import static io.dtm4j.protocol.TransStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreContractTest;
import io.dtm4j.server.testing.RedisTestSupport;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Runs the store contract against Redis, plus what only the Redis store promises. */
class RedisStoreTest extends StoreContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    protected String prefix;
    private AbstractRedisClient rawClient;
    private StatefulConnection<String, String> rawConnection;
    private RedisClusterCommands<String, String> raw;

    @Override
    protected Store createStore() {
        RedisTestSupport.assumeReachable();
        prefix = RedisTestSupport.freshPrefix();
        return RedisStore.open(config(prefix));
    }

    /** The settings of a store on {@code prefix}. */
    protected RedisStore.Config config(String prefix) {
        return new RedisStore.Config(
                RedisTestSupport.host(), RedisTestSupport.port(), "", "", prefix, Duration.ofDays(1));
    }

    /** Commands on the Redis under test, bypassing the store. */
    protected RedisClusterCommands<String, String> raw() {
        if (raw == null) {
            RedisClient client = RedisTestSupport.client();
            StatefulRedisConnection<String, String> c = client.connect();
            rawClient = client;
            rawConnection = c;
            raw = c.sync();
        }
        return raw;
    }

    /** Remembers a raw connection opened by a subclass, to close it after the test. */
    protected RedisClusterCommands<String, String> keepRaw(
            AbstractRedisClient client,
            StatefulConnection<String, String> connection,
            RedisClusterCommands<String, String> commands) {
        rawClient = client;
        rawConnection = connection;
        raw = commands;
        return commands;
    }

    /** Deletes the keys of {@code prefix}. */
    protected void deleteKeys(String prefix) {
        RedisTestSupport.deleteKeys(prefix);
    }

    @AfterEach
    void deleteKeys() {
        if (rawConnection != null) {
            rawConnection.close();
            rawClient.shutdown();
            rawConnection = null;
            raw = null;
        }
        if (prefix != null) {
            deleteKeys(prefix);
        }
    }

    @Test
    void keysCarryThePrefixAndFollowDtmsLayout() throws Exception {
        save(global("g1", SUBMITTED, now.plusSeconds(5)), branch("g1", "01", "action"), branch("g1", "02", "action"));
        store.createKv("topics", "t1", "[]", now);

        assertThat(raw().keys("*" + prefix.substring(1, prefix.length() - 1) + "*"))
                .allMatch(k -> k.startsWith(prefix + "_"))
                .contains(
                        prefix + "_g_g1", prefix + "_b_g1", prefix + "_s_g1", prefix + "_u", prefix + "_kv_topics_t1");
        assertThat(raw().type(prefix + "_g_g1")).isEqualTo("string");
        assertThat(raw().type(prefix + "_b_g1")).isEqualTo("list");
        assertThat(raw().get(prefix + "_s_g1")).isEqualTo("submitted");
        assertThat(raw().zscore(prefix + "_u", "g1"))
                .isEqualTo((double) now.plusSeconds(5).getEpochSecond());

        JsonNode g = JSON.readTree(raw().get(prefix + "_g_g1"));
        assertThat(g.path("gid").asText()).isEqualTo("g1");
        assertThat(g.path("trans_type").asText()).isEqualTo("saga");
        assertThat(g.path("status").asText()).isEqualTo("submitted");
        assertThat(Instant.parse(g.path("next_cron_time").asText())).isEqualTo(now.plusSeconds(5));
        assertThat(g.path("options").asText()).isEqualTo("{\"concurrent\":false}");
        assertThat(g.has("concurrent")).isTrue();

        List<String> rows = raw().lrange(prefix + "_b_g1", 0, -1);
        assertThat(rows).hasSize(2);
        JsonNode b = JSON.readTree(rows.getFirst());
        assertThat(b.path("branch_id").asText()).isEqualTo("01");
        assertThat(b.path("op").asText()).isEqualTo("action");
        assertThat(new String(b.path("bin_data").binaryValue(), StandardCharsets.UTF_8))
                .isEqualTo("{\"branch\":\"01\"}");

        JsonNode kv = JSON.readTree(raw().get(prefix + "_kv_topics_t1"));
        assertThat(kv.path("k").asText()).isEqualTo("t1");
        assertThat(kv.path("version").asLong()).isEqualTo(1);
    }

    @Test
    void unfinishedTransactionsHaveNoTtlAndFinishedOnesExpireTogether() {
        save(global("g1", SUBMITTED, now), branch("g1", "01", "action"));
        for (String kind : List.of("g", "b", "s")) {
            assertThat(raw().ttl(prefix + "_" + kind + "_g1")).as(kind).isEqualTo(-1L);
        }

        assertThat(store.changeGlobalStatus("g1", StatusChange.of(SUBMITTED, SUCCEED, now)))
                .isTrue();

        for (String kind : List.of("g", "b", "s")) {
            assertThat(raw().ttl(prefix + "_" + kind + "_g1")).as(kind).isBetween(86_000L, 86_400L);
        }
        assertThat(raw().zscore(prefix + "_u", "g1")).isNull();
    }

    @Test
    void indexEntriesOfExpiredTransactionsAreSweptWhenOthersFinish() {
        save(global("old", SUBMITTED, now));
        store.changeGlobalStatus("old", StatusChange.of(SUBMITTED, SUCCEED, now));
        for (String kind : List.of("g", "b", "s")) {
            raw().del(prefix + "_" + kind + "_old"); // as the TTL would
        }
        assertThat(raw().zscore(prefix + "_gi", "old")).isNotNull();

        Instant twoDaysLater = now.plus(Duration.ofDays(2));
        save(global("new", SUBMITTED, twoDaysLater));
        store.changeGlobalStatus("new", StatusChange.of(SUBMITTED, SUCCEED, twoDaysLater));

        assertThat(raw().zscore(prefix + "_gi", "old")).isNull();
        assertThat(raw().zscore(prefix + "_f", "old")).isNull();
        assertThat(raw().zscore(prefix + "_f", "new")).isNotNull();
    }

    @Test
    void aWriteOfAnUnfinishedTransactionRemovesATtlLeftByDtm() {
        save(global("g1", SUBMITTED, now.minusSeconds(1)), branch("g1", "01", "action"));
        for (String kind : List.of("g", "b", "s")) {
            raw().expire(prefix + "_" + kind + "_g1", 604_800);
        }

        assertThat(store.claimDue(now, now.plus(RETRY), "c", 10, now)).hasSize(1);

        for (String kind : List.of("g", "b", "s")) {
            assertThat(raw().ttl(prefix + "_" + kind + "_g1")).as(kind).isEqualTo(-1L);
        }
    }

    @Test
    void resetNextCronTimeAlsoMovesTheScheduleEntry() {
        save(global("g1", SUBMITTED, now.plusSeconds(3600)));

        assertThat(store.resetNextCronTime("g1", now)).isTrue();

        assertThat(raw().zscore(prefix + "_u", "g1")).isEqualTo((double) now.getEpochSecond());
        assertThat(store.claimDue(now, now.plus(RETRY), "c", 1, now)).hasSize(1);
    }

    /** A saga as dtm v1.19 stores it in Redis, written raw (dtm's JSON, TTLs and schedule entry). */
    @Test
    void aTransactionWrittenByDtmIsReadAndProcessed() {
        String gid = "dtm-written";
        String t = "2026-01-01T08:00:00+08:00";
        raw().set(
                        prefix + "_g_" + gid,
                        "{\"id\":0,\"create_time\":\"" + t + "\",\"update_time\":\"" + t + "\",\"gid\":\"" + gid
                                + "\",\"trans_type\":\"saga\",\"status\":\"submitted\",\"protocol\":\"http\","
                                + "\"options\":\"{\\\"wait_result\\\":true,\\\"concurrent\\\":false}\","
                                + "\"next_cron_interval\":10,\"next_cron_time\":\"" + t + "\","
                                + "\"steps\":[{\"action\":\"http://busi/TransOut\",\"compensate\":\"http://busi/TransOutRevert\"}],"
                                + "\"payloads\":[\"{\\\"amount\\\":30}\"],\"wait_result\":true,\"concurrent\":false}");
        raw().rpush(
                        prefix + "_b_" + gid,
                        "{\"id\":0,\"create_time\":\"" + t + "\",\"update_time\":\"" + t + "\",\"gid\":\"" + gid
                                + "\",\"url\":\"http://busi/TransOutRevert\",\"bin_data\":\"eyJhbW91bnQiOjMwfQ==\","
                                + "\"branch_id\":\"01\",\"op\":\"compensate\",\"status\":\"prepared\"}",
                        "{\"id\":0,\"create_time\":\"" + t + "\",\"update_time\":\"" + t + "\",\"gid\":\"" + gid
                                + "\",\"url\":\"http://busi/TransOut\",\"bin_data\":\"eyJhbW91bnQiOjMwfQ==\","
                                + "\"branch_id\":\"01\",\"op\":\"action\",\"status\":\"prepared\"}");
        raw().set(prefix + "_s_" + gid, "submitted");
        Instant due = Instant.parse("2026-01-01T00:00:00Z");
        raw().zadd(prefix + "_u", due.getEpochSecond(), gid);
        for (String kind : List.of("g", "b", "s")) {
            raw().expire(prefix + "_" + kind + "_" + gid, 604_800);
        }
        store.close();
        store = RedisStore.open(config(prefix)); // open indexes what dtm wrote

        GlobalTrans g = stored(gid);
        assertThat(g.id()).isPositive();
        assertThat(g.transType()).isEqualTo(TransType.SAGA);
        assertThat(g.status()).isEqualTo(SUBMITTED);
        assertThat(g.createTime()).isEqualTo(due);
        assertThat(g.nextCronTime()).isEqualTo(due);
        assertThat(g.options()).contains("wait_result");
        assertThat(store.scanGlobals("", 10, GlobalFilter.ALL).items())
                .extracting(GlobalTrans::gid)
                .containsExactly(gid);
        List<BranchOp> branches = store.findBranches(gid);
        assertThat(branches).extracting(BranchOp::op).containsExactly("compensate", "action");
        assertThat(new String(branches.get(1).binData(), StandardCharsets.UTF_8))
                .isEqualTo("{\"amount\":30}");
        assertThat(raw().ttl(prefix + "_s_" + gid)).isEqualTo(-1L);

        Instant at = due.plusSeconds(60);
        List<GlobalTrans> claimed = store.claimDue(at, at.plus(RETRY), "round-1", 10, at);
        assertThat(claimed).extracting(GlobalTrans::gid).containsExactly(gid);
        assertThat(store.updateBranchStatus(gid, "01", "action", SUCCEED, at, "round-1"))
                .isTrue();
        assertThat(store.changeGlobalStatus(gid, new StatusChange(SUBMITTED, SUCCEED, at, null, null, "round-1", null)))
                .isTrue();

        assertThat(store.findBranches(gid)).extracting(BranchOp::status).containsExactly(PREPARED, SUCCEED);
        GlobalTrans done = stored(gid);
        assertThat(done.status()).isEqualTo(SUCCEED);
        assertThat(done.finishTime()).isEqualTo(at);
        assertThat(done.customData()).isEmpty();
        assertThat(raw().get(prefix + "_g_" + gid)).contains("\"steps\"").contains("\"payloads\"");
        assertThat(raw().ttl(prefix + "_g_" + gid)).isBetween(86_000L, 86_400L);
    }

    /** Writes a finished dtm saga under the prefix, as dtm leaves it: no id, no index entry, not scheduled. */
    void writeFinishedAsDtmDoes(String gid) {
        String t = "2026-01-01T08:00:00+08:00";
        raw().set(
                        prefix + "_g_" + gid,
                        "{\"id\":0,\"create_time\":\"" + t + "\",\"update_time\":\"" + t + "\",\"gid\":\"" + gid
                                + "\",\"trans_type\":\"saga\",\"status\":\"succeed\",\"protocol\":\"http\"}");
        raw().set(prefix + "_s_" + gid, "succeed");
    }

    List<String> listed() {
        return store.scanGlobals("", 100, GlobalFilter.ALL).items().stream()
                .map(GlobalTrans::gid)
                .toList();
    }

    @Test
    void onlyTheFirstOpenOfAPrefixScansForWhatDtmWrote() {
        store.close();
        raw().del(prefix + "_adopted");
        writeFinishedAsDtmDoes("before-first-open");
        store = RedisStore.open(config(prefix));
        assertThat(listed()).containsExactly("before-first-open");
        assertThat(raw().get(prefix + "_adopted")).isEqualTo("1");

        // a later open does not walk the keyspace: a finished dtm transaction written since is read
        // by gid but not listed, while a scheduled one is indexed from the schedule
        writeFinishedAsDtmDoes("finished-since");
        save(global("scheduled-since", SUBMITTED, now));
        raw().zrem(prefix + "_gi", "scheduled-since"); // as a dtm node leaves it: scheduled, no id
        store.close();
        store = RedisStore.open(config(prefix));
        assertThat(listed()).containsExactlyInAnyOrder("before-first-open", "scheduled-since");
        assertThat(store.findGlobal("finished-since")).isPresent();

        // deleting the marker asks for a full pass again
        store.close();
        raw().del(prefix + "_adopted");
        store = RedisStore.open(config(prefix));
        assertThat(listed()).containsExactlyInAnyOrder("before-first-open", "scheduled-since", "finished-since");
    }

    @Test
    void concurrentClaimersOnSeparateConnectionsNeverShareAGid() throws Exception {
        int total = 300;
        for (int i = 0; i < total; i++) {
            save(global("g" + i, SUBMITTED, now.minusSeconds(i % 23)));
        }
        int claimers = 4;
        List<RedisStore> stores = new ArrayList<>();
        for (int i = 0; i < claimers; i++) {
            stores.add(RedisStore.open(config(prefix)));
        }
        CyclicBarrier start = new CyclicBarrier(claimers);
        Queue<String> claimed = new ConcurrentLinkedQueue<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < claimers; t++) {
            RedisStore s = stores.get(t);
            String owner = "node-" + t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    List<GlobalTrans> batch;
                    do {
                        batch = s.claimDue(now, now.plusSeconds(3600), owner, 7, now);
                        batch.forEach(g -> claimed.add(g.gid() + "@" + g.owner()));
                    } while (!batch.isEmpty());
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        stores.forEach(RedisStore::close);

        assertThat(errors).isEmpty();
        List<String> gids =
                claimed.stream().map(c -> c.substring(0, c.indexOf('@'))).toList();
        assertThat(gids.size()).isGreaterThanOrEqualTo(total);
        assertThat(gids.subList(0, total)).doesNotHaveDuplicates();
        for (String c : claimed) {
            String gid = c.substring(0, c.indexOf('@'));
            assertThat(stored(gid).owner()).isNotEmpty();
        }
    }
}
