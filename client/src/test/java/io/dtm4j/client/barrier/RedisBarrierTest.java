package io.dtm4j.client.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.protocol.Ops;
import io.dtm4j.server.testing.RedisTestSupport;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The barrier contract on Redis through {@link RedisBarrier#checkAdjustAmount}: the balances carry
 * a hash tag, so the barrier records do too (the Cluster layout); one test checks dtm's plain keys.
 */
class RedisBarrierTest extends BarrierContractTest {
    private static final long EXPIRE = 600;
    private static final String PREFIX = RedisTestSupport.freshPrefix();
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> redis;

    @BeforeAll
    static void connect() {
        RedisTestSupport.assumeReachable();
        client = RedisTestSupport.client();
        connection = client.connect();
        redis = connection.sync();
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            RedisTestSupport.deleteKeys(PREFIX);
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static String key(String account) {
        return PREFIX + account;
    }

    @Override
    protected void open(String account, long amount) {
        redis.set(key(account), Long.toString(amount));
    }

    @Override
    protected long balance(String account) {
        return Long.parseLong(redis.get(key(account)));
    }

    @Override
    protected void adjust(BranchIdentity branch, String account, long amount) {
        RedisBarrier.of(branch).checkAdjustAmount(redis, key(account), amount, EXPIRE);
    }

    @Override
    protected void queryPrepared(String gid, String account) {
        RedisBarrier.queryPrepared(redis, gid, key(account), EXPIRE);
    }

    @Test
    void aMissingBalanceIsAFailureThatRecordsNothing() {
        String gid = "missing-" + System.nanoTime();

        assertThatThrownBy(() ->
                        RedisBarrier.of(tcc(gid, Ops.TRY)).checkAdjustAmount(redis, key("nobody-" + gid), -1, EXPIRE))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("is missing or lower than 1");
        assertThat(redis.exists(PREFIX + gid + "-01-try-01")).isZero();
    }

    @Test
    void aBalanceThatIsNotAnIntegerIsAnError() {
        String gid = "text-" + System.nanoTime();
        redis.set(key(gid), "lots");

        assertThatThrownBy(() -> RedisBarrier.of(saga(gid, Ops.ACTION)).checkAdjustAmount(redis, key(gid), -1, EXPIRE))
                .isExactlyInstanceOf(DtmException.class)
                .hasMessageContaining("does not hold an integer");
    }

    @Test
    void recordsShareTheHashTagOfTheBalanceAndExpire() {
        String gid = "tagged-" + System.nanoTime();
        String account = "acct-" + gid;
        open(account, 100);

        adjust(tcc(gid, Ops.CANCEL), account, 30);

        assertThat(redis.get(PREFIX + gid + "-01-cancel-01")).isEqualTo("cancel");
        assertThat(redis.get(PREFIX + gid + "-01-try-01")).isEqualTo("cancel");
        assertThat(redis.ttl(PREFIX + gid + "-01-try-01")).isBetween(1L, EXPIRE);
    }

    @Test
    void aBalanceWithoutHashTagGetsDtmsRecordKeys() {
        String gid = "dtm4j-plain-" + System.nanoTime();
        String key = gid + "-balance";
        redis.set(key, "100");
        try {
            RedisBarrier.of(msg(gid)).checkAdjustAmount(redis, key, -30, EXPIRE);
            RedisBarrier.queryPrepared(redis, gid, EXPIRE);

            assertThat(redis.get(gid + "-00-msg-01")).isEqualTo("msg");
            assertThat(redis.get(key)).isEqualTo("70");
        } finally {
            redis.del(key, gid + "-00-msg-01");
        }
    }

    @Test
    void badArgumentsAreRejected() {
        RedisBarrier barrier = RedisBarrier.of(saga("g", Ops.ACTION));

        assertThatThrownBy(() -> barrier.checkAdjustAmount(redis, "", 1, EXPIRE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key");
        assertThatThrownBy(() -> barrier.checkAdjustAmount(redis, "k", 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expireSeconds");
    }

    @Test
    void hashTagsAreFoundAsRedisClusterFindsThem() {
        assertThat(RedisBarrier.hashTag("{user1}balance")).isEqualTo("{user1}");
        assertThat(RedisBarrier.hashTag("balance{user1}x{y}")).isEqualTo("{user1}");
        assertThat(RedisBarrier.hashTag("balance")).isEmpty();
        assertThat(RedisBarrier.hashTag("{}balance")).isEmpty();
        assertThat(RedisBarrier.hashTag("balance{open")).isEmpty();
    }
}
