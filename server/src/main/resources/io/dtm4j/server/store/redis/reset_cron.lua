-- ARGV: p, fexp, after score (exclusive), limit, now, now score → {changed, found}
local limit = tonumber(ARGV[4])
local picked, off = {}, 0
while #picked <= limit do
  local batch = redis.call('ZRANGEBYSCORE', p .. '_u', '(' .. ARGV[3], '+inf', 'LIMIT', off, limit + 1 - #picked)
  if #batch == 0 then break end
  off = off + #batch
  for _, gid in ipairs(batch) do
    local s = redis.call('GET', key('s', gid))
    if s and not done(s) and redis.call('EXISTS', key('g', gid)) == 1 then
      picked[#picked + 1] = gid
    end
  end
end
local changed = 0
for i, gid in ipairs(picked) do
  if i > limit then break end
  local g = cjson.decode(redis.call('GET', key('g', gid)))
  g.next_cron_time = ARGV[5]
  g.update_time = ARGV[5]
  redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
  place(gid, 'prepared', ARGV[6], nil)
  changed = changed + 1
end
return {changed, #picked}
