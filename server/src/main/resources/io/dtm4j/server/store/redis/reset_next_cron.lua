-- ARGV: p, fexp, gid, now, now score → 1 | 0. Also re-scores the schedule, which dtm's script
-- misses (docs/protocol.md §20.9).
local gid = ARGV[3]
local raw = redis.call('GET', key('g', gid))
if not raw then return 0 end
local g = cjson.decode(raw)
g.next_cron_time = ARGV[4]
g.update_time = ARGV[4]
redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
place(gid, redis.call('GET', key('s', gid)) or g.status or '', ARGV[5], ARGV[5])
return 1
