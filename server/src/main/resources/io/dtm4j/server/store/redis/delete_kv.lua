-- ARGV: p, fexp, member → 1 | 0
redis.call('ZREM', p .. '_kvi', ARGV[3])
return redis.call('DEL', p .. '_kv_' .. ARGV[3])
