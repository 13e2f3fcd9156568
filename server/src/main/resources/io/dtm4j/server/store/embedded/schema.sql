-- Schema of the embedded (SQLite) store, shaped like dtm's SQL tables
-- (sqls/dtmsvr.storage.*.sql): same table and column names, same unique keys.
-- Differences: times are INTEGER epoch milliseconds, statuses and types are their wire names.
-- Every statement is idempotent; the store runs this file each time it opens.

CREATE TABLE IF NOT EXISTS trans_global (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  gid TEXT NOT NULL,
  trans_type TEXT NOT NULL,
  status TEXT NOT NULL,
  query_prepared TEXT NOT NULL DEFAULT '',
  protocol TEXT NOT NULL DEFAULT '',
  create_time INTEGER,
  update_time INTEGER,
  finish_time INTEGER,
  rollback_time INTEGER,
  options TEXT DEFAULT '',
  custom_data TEXT DEFAULT '',
  next_cron_interval INTEGER,
  next_cron_time INTEGER,
  owner TEXT NOT NULL DEFAULT '',
  ext_data TEXT,
  result TEXT DEFAULT '',
  rollback_reason TEXT DEFAULT '',
  CONSTRAINT gid UNIQUE (gid)
);

CREATE INDEX IF NOT EXISTS owner ON trans_global (owner);

CREATE INDEX IF NOT EXISTS status_next_cron_time ON trans_global (status, next_cron_time);

CREATE TABLE IF NOT EXISTS trans_branch_op (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  gid TEXT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  data TEXT,
  bin_data BLOB,
  branch_id TEXT NOT NULL,
  op TEXT NOT NULL,
  status TEXT NOT NULL,
  finish_time INTEGER,
  rollback_time INTEGER,
  create_time INTEGER,
  update_time INTEGER,
  CONSTRAINT gid_uniq UNIQUE (gid, branch_id, op)
);

CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cat TEXT NOT NULL,
  k TEXT NOT NULL,
  v TEXT,
  version INTEGER DEFAULT 1,
  create_time INTEGER,
  update_time INTEGER,
  CONSTRAINT uniq_k UNIQUE (cat, k)
);
