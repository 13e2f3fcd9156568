-- The prelude of every script of RedisStore: Scripts.java prepends this file to each of the other
-- .lua files of this directory, so their ARGV[1] is always the key prefix and ARGV[2] the expiry of
-- finished data in seconds. KEYS[1] only routes the call in a cluster (a key of the prefix's hash
-- slot). To try a script with redis-cli, join the two files first, e.g. with prefix t:
--   cat common.lua drop_stale_global.lua > /tmp/s.lua && redis-cli --eval /tmp/s.lua t_g_gid1 , t 0 gid1
--
-- Keys (p = prefix): p_g_<gid> global JSON, p_b_<gid> branch JSON list, p_s_<gid> status, p_u
-- schedule (gid by next_cron_time in Unix seconds), p_kv_<cat>_<key> kv JSON: dtm's layout. dtm4j
-- adds p_id (id counter), p_gi (gid by id: the listing), p_f (finished gid by update_time:
-- retention) and p_kvi (<cat>_<key> by id). See docs/protocol.md §11.3.
--
-- Expiry: an unfinished transaction's keys carry no TTL (every write of an unfinished transaction
-- removes one, e.g. left by dtm); a finished transaction's keys all get the finished expiry
-- together, refreshed on every later write (docs/protocol.md §20.19).
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
