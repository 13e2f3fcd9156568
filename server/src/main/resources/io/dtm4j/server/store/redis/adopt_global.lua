-- ARGV: p, fexp, gid, now score, update score → indexes a global written by dtm (id 0, not
-- listed): gives it an id, lists it, and applies dtm4j's expiry policy → 1 | 0
local gid = ARGV[3]
local raw = redis.call('GET', key('g', gid))
if not raw or redis.call('ZSCORE', p .. '_gi', gid) then return 0 end
local g = cjson.decode(raw)
local id = redis.call('INCR', p .. '_id')
g.id = id
redis.call('SET', key('g', gid), cjson.encode(g), 'KEEPTTL')
redis.call('ZADD', p .. '_gi', id, gid)
local s = redis.call('GET', key('s', gid))
if not s then
  s = g.status or 'prepared'
  redis.call('SET', key('s', gid), s)
end
local nextScore = nil
if not done(s) and not redis.call('ZSCORE', p .. '_u', gid) then nextScore = ARGV[4] end
place(gid, s, nextScore, ARGV[5])
return 1
