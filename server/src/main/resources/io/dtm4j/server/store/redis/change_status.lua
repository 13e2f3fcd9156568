-- ARGV: p, fexp, gid, from, to, now, now score, has reason, reason, has result, result, fenced,
-- owner, has new owner, new owner, then pending branch writes as for update_branches.lua, applied
-- first → 1 | 0
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
