-- ARGV: p, fexp, gid, status, global JSON, next score, update score, branch JSON… → 1 | 0
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
