-- The sub-transaction barrier table of dtm4j for SQLite, in the business database file itself
-- (barrier rows and business updates commit in one local transaction). SQLite has no schemas:
-- BarrierSchema fills in ${table} with the dots of the configured name turned into underscores
-- (default dtm_barrier_barrier for dtm_barrier.barrier).
CREATE TABLE IF NOT EXISTS ${table} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  trans_type varchar(45) DEFAULT '',
  gid varchar(128) DEFAULT '',
  branch_id varchar(128) DEFAULT '',
  op varchar(45) DEFAULT '',
  barrier_id varchar(45) DEFAULT '',
  -- the op whose request wrote the row; 'rollback' when a msg check-back wrote it
  reason varchar(45) DEFAULT '',
  create_time datetime DEFAULT CURRENT_TIMESTAMP,
  update_time datetime DEFAULT CURRENT_TIMESTAMP,
  -- INSERT OR IGNORE relies on this constraint to skip a repeated operation
  CONSTRAINT uniq_barrier UNIQUE (gid, branch_id, op, barrier_id)
);
