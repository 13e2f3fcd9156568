-- ARGV: p, fexp, gid, expected, fenced, owner, interval, next, next score, now, now score, then
-- pending branch writes as for update_branches.lua, applied first → 1 | 0
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
