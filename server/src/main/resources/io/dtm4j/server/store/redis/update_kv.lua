-- ARGV: p, fexp, member, value, expected version, now → 1 | 0
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
