package io.dtm4j.server.store.redis;

/**
 * The Lua scripts of {@link RedisStore}; every mutating operation is one of them, so it runs
 * atomically on the Redis server. Each script starts with {@link #COMMON}; {@code ARGV[1]} is the
 * key prefix and {@code ARGV[2]} the expiry of finished data in seconds.
 *
 * <p>Keys (p = prefix): {@code p_g_<gid>} global JSON, {@code p_b_<gid>} branch JSON list, {@code
 * p_s_<gid>} status, {@code p_u} schedule (gid by next_cron_time in Unix seconds), {@code
 * p_kv_<cat>_<key>} kv JSON: dtm's layout. dtm4j adds {@code p_id} (id counter), {@code p_gi}
 * (gid by id: the listing), {@code p_f} (finished gid by update_time: retention) and {@code p_kvi}
 * ({@code <cat>_<key>} by id).
 *
 * <p>Expiry: an unfinished transaction's keys carry no TTL (every write of an unfinished
 * transaction removes one, e.g. left by dtm); a finished transaction's keys all get the finished
 * expiry together, refreshed on every later write.
 */
final class Scripts {
    private Scripts() {}

    static final String COMMON = """
            local p = ARGV[1]
            local fexp = tonumber(ARGV[2])
            local function key(kind, gid) return p .. '_' .. kind .. '_' .. gid end
            local function done(s) return s == 'succeed' or s == 'failed' end
            -- puts a transaction where its status says: schedule or retention index, TTL or none
            local function place(gid, status, nextScore, updScore)
              local ks = {key('g', gid), key('b', gid), key('s', gid)}
              if done(status) then
                redis.call('ZREM', p .. '_u', gid)
                if updScore then redis.call('ZADD', p .. '_f', updScore, gid) end
                for _, k in ipairs(ks) do
                  if fexp > 0 then redis.call('EXPIRE', k, fexp) else redis.call('PERSIST', k) end
                end
              else
                if nextScore then redis.call('ZADD', p .. '_u', nextScore, gid) end
                redis.call('ZREM', p .. '_f', gid)
                for _, k in ipairs(ks) do redis.call('PERSIST', k) end
              end
            end
            -- drops up to two index entries of finished transactions whose keys have expired
            local function sweep(nowScore)
              if fexp <= 0 then return end
              local bound = '(' .. string.format('%.3f', tonumber(nowScore) - fexp)
              for _, gid in ipairs(redis.call('ZRANGEBYSCORE', p .. '_f', '-inf', bound, 'LIMIT', 0, 2)) do
                if redis.call('EXISTS', key('g', gid)) == 0 then
                  redis.call('ZREM', p .. '_f', gid)
                  redis.call('ZREM', p .. '_gi', gid)
                end
              end
            end
            local function owned(g, fenced, owner)
              return fenced ~= '1' or (g.owner or '') == owner
            end
            -- applies the branch status writes ARGV[from..] (branch_id, op, status, time, fenced, owner),
            -- in order, each only while the owner it was issued under holds the transaction;
            -- returns 1 when the last one changed a row
            local function setBranches(gid, from)
              if from > #ARGV then return 0 end
              local raw = redis.call('GET', key('g', gid))
              if not raw then return 0 end
              local g = cjson.decode(raw)
              local bkey = key('b', gid)
              local rows = nil
              local last = 0
              for i = from, #ARGV, 6 do
                last = 0
                if owned(g, ARGV[i + 4], ARGV[i + 5]) then
                  if not rows then
                    rows = {}
                    for j, row in ipairs(redis.call('LRANGE', bkey, 0, -1)) do rows[j] = cjson.decode(row) end
                  end
                  for j, t in ipairs(rows) do
                    if (t.branch_id or '') == ARGV[i] and (t.op or '') == ARGV[i + 1] then
                      t.status = ARGV[i + 2]
                      t.update_time = ARGV[i + 3]
                      if ARGV[i + 2] == 'succeed' then t.finish_time = ARGV[i + 3] end
                      if ARGV[i + 2] == 'failed' then t.rollback_time = ARGV[i + 3] end
                      redis.call('LSET', bkey, j - 1, cjson.encode(t))
                      last = 1
                      break
                    end
                  end
                end
              end
              return last
            end
            """;

    /** ARGV: p, fexp, gid, status, global JSON, next score, update score, branch JSON… → 1 | 0 */
    static final String SAVE_NEW = COMMON + """
            local gid = ARGV[3]
            if redis.call('EXISTS', key('g', gid)) == 1 then return 0 end
            local n = #ARGV - 7
            local id = redis.call('INCRBY', p .. '_id', n + 1) - n
            redis.call('SET', key('g', gid), '{"id":' .. id .. string.sub(ARGV[5], 8))
            redis.call('SET', key('s', gid), ARGV[4])
            redis.call('DEL', key('b', gid))
            for i = 1, n do
              redis.call('RPUSH', key('b', gid), '{"id":' .. (id + i) .. string.sub(ARGV[7 + i], 8))
            end
            redis.call('ZADD', p .. '_gi', id, gid)
            place(gid, ARGV[4], ARGV[6], ARGV[7])
            return 1
            """;

    /** ARGV: p, fexp, gid, expected status, then (branch_id, op, JSON) triples → 'APPENDED' | 'MISMATCH' | 'DUPLICATE' */
    static final String APPEND_BRANCHES = COMMON + """
            local gid = ARGV[3]
            local s = redis.call('GET', key('s', gid))
            if s ~= ARGV[4] or redis.call('EXISTS', key('g', gid)) == 0 then return 'MISMATCH' end
            local seen = {}
            for _, row in ipairs(redis.call('LRANGE', key('b', gid), 0, -1)) do
              local t = cjson.decode(row)
              seen[(t.branch_id or '') .. '\\0' .. (t.op or '')] = true
            end
            local n = (#ARGV - 4) / 3
            for i = 0, n - 1 do
              local k = ARGV[5 + 3 * i] .. '\\0' .. ARGV[6 + 3 * i]
              if seen[k] then return 'DUPLICATE' end
              seen[k] = true
            end
            if n == 0 then return 'APPENDED' end
            local id = redis.call('INCRBY', p .. '_id', n) - n
            for i = 0, n - 1 do
              redis.call('RPUSH', key('b', gid), '{"id":' .. (id + i + 1) .. string.sub(ARGV[7 + 3 * i], 8))
            end
            place(gid, s, nil, nil)
            return 'APPENDED'
            """;

    /**
     * ARGV: p, fexp, gid, then (branch_id, op, status, now, fenced, owner) per branch write, in
     * order → 1 | 0: whether the last one changed a row
     */
    static final String UPDATE_BRANCHES = COMMON + """
            return setBranches(ARGV[3], 4)
            """;

    /**
     * ARGV: p, fexp, gid, from, to, now, now score, has reason, reason, has result, result, fenced,
     * owner, has new owner, new owner, then pending branch writes as for {@link #UPDATE_BRANCHES},
     * applied first → 1 | 0
     */
    static final String CHANGE_STATUS = COMMON + """
            local gid = ARGV[3]
            setBranches(gid, 16)
            if redis.call('GET', key('s', gid)) ~= ARGV[4] then return 0 end
            local raw = redis.call('GET', key('g', gid))
            if not raw then return 0 end
            local g = cjson.decode(raw)
            if not owned(g, ARGV[12], ARGV[13]) then return 0 end
            g.status = ARGV[5]
            g.update_time = ARGV[6]
            if ARGV[5] == 'succeed' then g.finish_time = ARGV[6] end
            if ARGV[5] == 'failed' then g.rollback_time = ARGV[6] end
            if ARGV[8] == '1' then g.rollback_reason = ARGV[9] end
            if ARGV[10] == '1' then g.result = ARGV[11] end
            if ARGV[14] == '1' then g.owner = ARGV[15] end
            redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
            redis.call('SET', key('s', gid), ARGV[5], 'KEEPTTL')
            place(gid, ARGV[5], nil, ARGV[7])
            if done(ARGV[5]) then sweep(ARGV[7]) end
            return 1
            """;

    /**
     * ARGV: p, fexp, gid, expected, fenced, owner, interval, next, next score, now, now score, then
     * pending branch writes as for {@link #UPDATE_BRANCHES}, applied first → 1 | 0
     */
    static final String TOUCH_CRON = COMMON + """
            local gid = ARGV[3]
            setBranches(gid, 12)
            local s = redis.call('GET', key('s', gid))
            if s ~= ARGV[4] then return 0 end
            local raw = redis.call('GET', key('g', gid))
            if not raw then return 0 end
            local g = cjson.decode(raw)
            if not owned(g, ARGV[5], ARGV[6]) then return 0 end
            g.next_cron_interval = tonumber(ARGV[7])
            g.next_cron_time = ARGV[8]
            g.update_time = ARGV[10]
            redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
            place(gid, s, ARGV[9], ARGV[11])
            return 1
            """;

    /**
     * ARGV: p, fexp, due score, offset, count → {scanned, removed, gid…}: a page of the schedule due
     * by the score, earliest first, keeping the unfinished transactions; members whose transaction
     * is finished or gone are removed from the schedule (and counted, so the next offset is offset +
     * scanned - removed).
     */
    static final String DUE_CANDIDATES = COMMON + """
            local batch = redis.call('ZRANGEBYSCORE', p .. '_u', '-inf', ARGV[3], 'LIMIT', tonumber(ARGV[4]), tonumber(ARGV[5]))
            local out = {#batch, 0}
            for _, gid in ipairs(batch) do
              local s = redis.call('GET', key('s', gid))
              if s and not done(s) and redis.call('EXISTS', key('g', gid)) == 1 then
                out[#out + 1] = gid
              else
                redis.call('ZREM', p .. '_u', gid)
                out[2] = out[2] + 1
              end
            end
            return out
            """;

    /**
     * ARGV: p, fexp, due score, lease, lease score, owner, now, gid… → the claimed globals' JSON:
     * claims each listed transaction that is still unfinished and due (a concurrent claimer that
     * took it first has moved it to its lease).
     */
    static final String CLAIM = COMMON + """
            local out = {}
            for i = 8, #ARGV do
              local gid = ARGV[i]
              local score = redis.call('ZSCORE', p .. '_u', gid)
              local s = redis.call('GET', key('s', gid))
              local raw = redis.call('GET', key('g', gid))
              if score and tonumber(score) <= tonumber(ARGV[3]) and s and raw and not done(s) then
                local g = cjson.decode(raw)
                g.owner = ARGV[6]
                g.next_cron_time = ARGV[4]
                g.update_time = ARGV[7]
                local enc = cjson.encode(g)
                redis.call('SET', key('g', gid), enc, 'KEEPTTL')
                place(gid, 'prepared', ARGV[5], nil)
                out[#out + 1] = enc
              end
            end
            return out
            """;

    /** ARGV: p, fexp, after score (exclusive), limit, now, now score → {changed, found} */
    static final String RESET_CRON = COMMON + """
            local limit = tonumber(ARGV[4])
            local picked, off = {}, 0
            while #picked <= limit do
              local batch = redis.call('ZRANGEBYSCORE', p .. '_u', '(' .. ARGV[3], '+inf', 'LIMIT', off, limit + 1 - #picked)
              if #batch == 0 then break end
              off = off + #batch
              for _, gid in ipairs(batch) do
                local s = redis.call('GET', key('s', gid))
                if s and not done(s) and redis.call('EXISTS', key('g', gid)) == 1 then
                  picked[#picked + 1] = gid
                end
              end
            end
            local changed = 0
            for i, gid in ipairs(picked) do
              if i > limit then break end
              local g = cjson.decode(redis.call('GET', key('g', gid)))
              g.next_cron_time = ARGV[5]
              g.update_time = ARGV[5]
              redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
              place(gid, 'prepared', ARGV[6], nil)
              changed = changed + 1
            end
            return {changed, #picked}
            """;

    /** ARGV: p, fexp, gid, now, now score → 1 | 0 (also re-scores the schedule: dtm's 20.9 fixed) */
    static final String RESET_NEXT_CRON = COMMON + """
            local gid = ARGV[3]
            local raw = redis.call('GET', key('g', gid))
            if not raw then return 0 end
            local g = cjson.decode(raw)
            g.next_cron_time = ARGV[4]
            g.update_time = ARGV[4]
            redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
            place(gid, redis.call('GET', key('s', gid)) or g.status or '', ARGV[5], ARGV[5])
            return 1
            """;

    /** ARGV: p, fexp, before score (exclusive), limit → how many were deleted */
    static final String DELETE_FINISHED = COMMON + """
            local limit = tonumber(ARGV[4])
            local deleted = 0
            while deleted < limit do
              local batch = redis.call('ZRANGEBYSCORE', p .. '_f', '-inf', '(' .. ARGV[3], 'LIMIT', 0, limit - deleted)
              if #batch == 0 then break end
              for _, gid in ipairs(batch) do
                redis.call('ZREM', p .. '_f', gid)
                local s = redis.call('GET', key('s', gid))
                if s == false or done(s) then
                  if redis.call('DEL', key('g', gid), key('b', gid), key('s', gid)) > 0 then
                    deleted = deleted + 1
                  end
                  redis.call('ZREM', p .. '_gi', gid)
                end
              end
            end
            return deleted
            """;

    /** ARGV: p, fexp, gid → removes gid from the listing when its global is gone */
    static final String DROP_STALE_GLOBAL = COMMON + """
            if redis.call('EXISTS', key('g', ARGV[3])) == 0 then
              redis.call('ZREM', p .. '_gi', ARGV[3])
              redis.call('ZREM', p .. '_f', ARGV[3])
            end
            return 1
            """;

    /**
     * ARGV: p, fexp, gid, now score, update score → indexes a global written by dtm (id 0, not
     * listed): gives it an id, lists it, and applies dtm4j's expiry policy → 1 | 0
     */
    static final String ADOPT_GLOBAL = COMMON + """
            local gid = ARGV[3]
            local raw = redis.call('GET', key('g', gid))
            if not raw or redis.call('ZSCORE', p .. '_gi', gid) then return 0 end
            local g = cjson.decode(raw)
            local id = redis.call('INCR', p .. '_id')
            g.id = id
            redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
            redis.call('ZADD', p .. '_gi', id, gid)
            local s = redis.call('GET', key('s', gid))
            if not s then
              s = g.status or 'prepared'
              redis.call('SET', key('s', gid), s)
            end
            local nextScore = nil
            if not done(s) and not redis.call('ZSCORE', p .. '_u', gid) then nextScore = ARGV[4] end
            place(gid, s, nextScore, ARGV[5])
            return 1
            """;

    /** ARGV: p, fexp, member ({@code <cat>_<key>}) → lists a kv entry written by dtm → 1 | 0 */
    static final String ADOPT_KV = COMMON + """
            local k = p .. '_kv_' .. ARGV[3]
            local raw = redis.call('GET', k)
            if not raw or redis.call('ZSCORE', p .. '_kvi', ARGV[3]) then return 0 end
            local t = cjson.decode(raw)
            local id = redis.call('INCR', p .. '_id')
            t.id = id
            redis.call('SET', k, cjson.encode(t))
            redis.call('ZADD', p .. '_kvi', id, ARGV[3])
            return 1
            """;

    /** ARGV: p, fexp, member, JSON (starting with {"id":0) → 1 | 0 */
    static final String CREATE_KV = COMMON + """
            local k = p .. '_kv_' .. ARGV[3]
            if redis.call('EXISTS', k) == 1 then return 0 end
            local id = redis.call('INCR', p .. '_id')
            redis.call('SET', k, '{"id":' .. id .. string.sub(ARGV[4], 8))
            redis.call('ZADD', p .. '_kvi', id, ARGV[3])
            return 1
            """;

    /** ARGV: p, fexp, member, value, expected version, now → 1 | 0 */
    static final String UPDATE_KV = COMMON + """
            local k = p .. '_kv_' .. ARGV[3]
            local raw = redis.call('GET', k)
            if not raw then return 0 end
            local t = cjson.decode(raw)
            if tonumber(t.version) ~= tonumber(ARGV[5]) then return 0 end
            t.v = ARGV[4]
            t.version = tonumber(t.version) + 1
            t.update_time = ARGV[6]
            redis.call('SET', k, cjson.encode(t))
            return 1
            """;

    /** ARGV: p, fexp, member → 1 | 0 */
    static final String DELETE_KV = COMMON + """
            redis.call('ZREM', p .. '_kvi', ARGV[3])
            return redis.call('DEL', p .. '_kv_' .. ARGV[3])
            """;

    /** ARGV: p, fexp, member → removes a kv member from the listing when its entry is gone */
    static final String DROP_STALE_KV = COMMON + """
            if redis.call('EXISTS', p .. '_kv_' .. ARGV[3]) == 0 then redis.call('ZREM', p .. '_kvi', ARGV[3]) end
            return 1
            """;
}
