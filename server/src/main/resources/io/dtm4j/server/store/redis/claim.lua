-- ARGV: p, fexp, due score, lease, lease score, owner, now, gid… → the claimed globals' JSON:
-- claims each listed transaction that is still unfinished and due (a concurrent claimer that took
-- it first has moved it to its lease). See docs/protocol.md §9.5.
local out = {}
for i = 8, #ARGV do
  local gid = ARGV[i]
  local score = redis.call('ZSCORE', p .. '_u', gid)
  local s = redis.call('GET', key('s', gid))
  local raw = redis.call('GET', key('g', gid))
  if score and tonumber(score) <= tonumber(ARGV[3]) and s and raw and not done(s) then
    local g = cjson.decode(raw)
    g.owner = ARGV[6]
    g.next_cron_time = ARGV[4]
    g.update_time = ARGV[7]
    local enc = cjson.encode(g)
    redis.call('SET', key('g', gid), enc, 'KEEPTTL')
    place(gid, 'prepared', ARGV[5], nil)
    out[#out + 1] = enc
  end
end
return out
