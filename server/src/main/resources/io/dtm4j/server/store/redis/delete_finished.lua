-- ARGV: p, fexp, before score (exclusive), limit → how many were deleted
local limit = tonumber(ARGV[4])
local deleted = 0
while deleted < limit do
  local batch = redis.call('ZRANGEBYSCORE', p .. '_f', '-inf', '(' .. ARGV[3], 'LIMIT', 0, limit - deleted)
  if #batch == 0 then break end
  for _, gid in ipairs(batch) do
    redis.call('ZREM', p .. '_f', gid)
    local s = redis.call('GET', key('s', gid))
    if s == false or done(s) then
      if redis.call('DEL', key('g', gid), key('b', gid), key('s', gid)) > 0 then
        deleted = deleted + 1
      end
      redis.call('ZREM', p .. '_gi', gid)
    end
  end
end
return deleted
