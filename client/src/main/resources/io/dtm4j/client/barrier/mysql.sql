-- The sub-transaction barrier table of dtm4j (and dtm) for MySQL and MariaDB. Create it on the
-- server that holds the business data: barrier rows and business updates commit in one local
-- transaction. ${schema} and ${table} are filled in by BarrierSchema (default dtm_barrier and
-- dtm_barrier.barrier).
CREATE DATABASE IF NOT EXISTS ${schema} DEFAULT CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS ${table} (
  id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  trans_type varchar(45) DEFAULT '',
  gid varchar(128) DEFAULT '',
  branch_id varchar(128) DEFAULT '',
  op varchar(45) DEFAULT '',
  barrier_id varchar(45) DEFAULT '',
  reason varchar(45) DEFAULT '' COMMENT 'the op whose request wrote the row; rollback for a msg check-back',
  create_time datetime DEFAULT now(),
  update_time datetime DEFAULT now(),
  KEY (create_time),
  KEY (update_time),
  -- INSERT IGNORE relies on this key to skip a repeated operation
  UNIQUE KEY uniq_barrier (gid, branch_id, op, barrier_id)
);
