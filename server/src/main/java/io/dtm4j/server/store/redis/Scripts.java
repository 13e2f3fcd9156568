package io.dtm4j.server.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The Lua scripts of {@link RedisStore}; every mutating operation is one of them, so it runs
 * atomically on the Redis server. Each constant is the resource of the same name in lower case next
 * to this class ({@code SAVE_NEW}: {@code save_new.lua}), read once, with {@code common.lua} (the
 * prelude: key layout, expiry, shared functions; {@code ARGV[1]} is the key prefix and {@code
 * ARGV[2]} the expiry of finished data in seconds) prepended. Each file's first comment gives the
 * script's ARGV and result.
 */
final class Scripts {
    private Scripts() {}

    static final String COMMON = read("common.lua");
    static final String SAVE_NEW = script("save_new.lua");
    static final String APPEND_BRANCHES = script("append_branches.lua");
    static final String UPDATE_BRANCHES = script("update_branches.lua");
    static final String CHANGE_STATUS = script("change_status.lua");
    static final String TOUCH_CRON = script("touch_cron.lua");
    static final String DUE_CANDIDATES = script("due_candidates.lua");
    static final String CLAIM = script("claim.lua");
    static final String RESET_CRON = script("reset_cron.lua");
    static final String RESET_NEXT_CRON = script("reset_next_cron.lua");
    static final String DELETE_FINISHED = script("delete_finished.lua");
    static final String DROP_STALE_GLOBAL = script("drop_stale_global.lua");
    static final String ADOPT_GLOBAL = script("adopt_global.lua");
    static final String ADOPT_KV = script("adopt_kv.lua");
    static final String CREATE_KV = script("create_kv.lua");
    static final String UPDATE_KV = script("update_kv.lua");
    static final String DELETE_KV = script("delete_kv.lua");
    static final String DROP_STALE_KV = script("drop_stale_kv.lua");

    private static String script(String name) {
        return COMMON + read(name);
    }

    private static String read(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Redis script " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Redis script " + name, e);
        }
    }
}
