-- ARGV: p, fexp, gid, expected status, then (branch_id, op, JSON) triples
-- → 'APPENDED' | 'MISMATCH' | 'DUPLICATE'
local gid = ARGV[3]
local s = redis.call('GET', key('s', gid))
if s ~= ARGV[4] or redis.call('EXISTS', key('g', gid)) == 0 then return 'MISMATCH' end
local seen = {}
for _, row in ipairs(redis.call('LRANGE', key('b', gid), 0, -1)) do
  local t = cjson.decode(row)
  seen[(t.branch_id or '') .. '\0' .. (t.op or '')] = true
end
local n = (#ARGV - 4) / 3
for i = 0, n - 1 do
  local k = ARGV[5 + 3 * i] .. '\0' .. ARGV[6 + 3 * i]
  if seen[k] then return 'DUPLICATE' end
  seen[k] = true
end
if n == 0 then return 'APPENDED' end
local id = redis.call('INCRBY', p .. '_id', n) - n
for i = 0, n - 1 do
  redis.call('RPUSH', key('b', gid), '{"id":' .. (id + i + 1) .. string.sub(ARGV[7 + 3 * i], 8))
end
place(gid, s, nil, nil)
return 'APPENDED'
