package io.dtm4j.faults.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

class PrivateRedisTest extends PrivateStoreContract<PrivateRedis> {
    @Override
    void assumeInstalled() {
        assumeTrue(onPath(PrivateRedis.BINARY), PrivateRedis.BINARY + " is not on the PATH");
    }

    @Override
    PrivateRedis newStore() {
        return new PrivateRedis();
    }

    @Override
    void write(String key, String value) throws Exception {
        RespClient.command(store.port(), "SET", key, value);
    }

    @Override
    String read(String key) throws Exception {
        return RespClient.command(store.port(), "GET", key);
    }

    @Override
    List<Long> processes() {
        return List.of(store.process().pid());
    }
}
