package io.dtm4j.server.store.redis;

import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreContractTest;
import io.dtm4j.server.testing.RedisTestSupport;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;

/** Runs the store contract against Redis, plus what only the Redis store promises. */
class RedisStoreTest extends StoreContractTest {
    protected String prefix;

    @Override
    protected Store createStore() {
        RedisTestSupport.assumeReachable();
        prefix = RedisTestSupport.freshPrefix();
        return RedisStore.open(config(prefix));
    }

    static RedisStore.Config config(String prefix) {
        return new RedisStore.Config(
                RedisTestSupport.host(), RedisTestSupport.port(), "", "", prefix, Duration.ofDays(1));
    }

    @AfterEach
    void deleteKeys() {
        if (prefix != null) {
            RedisTestSupport.deleteKeys(prefix);
        }
    }
}
