package io.dtm4j.server.store;

import java.time.Instant;

/**
 * One entry of the key-value table (topics live in category {@code topics}).
 *
 * @param version starts at 1 and grows by one on every update; updates are conditional on it
 */
public record KvEntry(
        long id, String cat, String key, String value, long version, Instant createTime, Instant updateTime) {}
