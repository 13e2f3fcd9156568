-- ARGV: p, fexp, due score, offset, count → {scanned, removed, gid…}: a page of the schedule due
-- by the score, earliest first, keeping the unfinished transactions; members whose transaction is
-- finished or gone are removed from the schedule (and counted, so the next offset is offset +
-- scanned - removed). The first of the two claim scripts (docs/protocol.md §9.5).
local batch = redis.call('ZRANGEBYSCORE', p .. '_u', '-inf', ARGV[3], 'LIMIT', tonumber(ARGV[4]), tonumber(ARGV[5]))
local out = {#batch, 0}
for _, gid in ipairs(batch) do
  local s = redis.call('GET', key('s', gid))
  if s and not done(s) and redis.call('EXISTS', key('g', gid)) == 1 then
    out[#out + 1] = gid
  else
    redis.call('ZREM', p .. '_u', gid)
    out[2] = out[2] + 1
  end
end
return out
