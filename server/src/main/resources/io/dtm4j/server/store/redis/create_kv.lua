-- ARGV: p, fexp, member, JSON (starting with {"id":0) → 1 | 0
local k = p .. '_kv_' .. ARGV[3]
if redis.call('EXISTS', k) == 1 then return 0 end
local id = redis.call('INCR', p .. '_id')
redis.call('SET', k, '{"id":' .. id .. string.sub(ARGV[4], 8))
redis.call('ZADD', p .. '_kvi', id, ARGV[3])
return 1
