-- ARGV: p, fexp, gid → removes gid from the listing when its global is gone → 1
if redis.call('EXISTS', key('g', ARGV[3])) == 0 then
  redis.call('ZREM', p .. '_gi', ARGV[3])
  redis.call('ZREM', p .. '_f', ARGV[3])
end
return 1
