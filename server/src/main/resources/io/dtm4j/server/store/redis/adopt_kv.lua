-- ARGV: p, fexp, member (<cat>_<key>) → lists a kv entry written by dtm → 1 | 0
local k = p .. '_kv_' .. ARGV[3]
local raw = redis.call('GET', k)
if not raw or redis.call('ZSCORE', p .. '_kvi', ARGV[3]) then return 0 end
local t = cjson.decode(raw)
local id = redis.call('INCR', p .. '_id')
t.id = id
redis.call('SET', k, cjson.encode(t))
redis.call('ZADD', p .. '_kvi', id, ARGV[3])
return 1
