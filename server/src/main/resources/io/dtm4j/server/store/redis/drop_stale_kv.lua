-- ARGV: p, fexp, member → removes a kv member from the listing when its entry is gone → 1
if redis.call('EXISTS', p .. '_kv_' .. ARGV[3]) == 0 then redis.call('ZREM', p .. '_kvi', ARGV[3]) end
return 1
