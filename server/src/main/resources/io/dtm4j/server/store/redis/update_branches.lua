-- ARGV: p, fexp, gid, then (branch_id, op, status, now, fenced, owner) per branch write, in order
-- → 1 | 0: whether the last one changed a row
return setBranches(ARGV[3], 4)
