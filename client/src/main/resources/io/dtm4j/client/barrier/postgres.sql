-- The sub-transaction barrier table of dtm4j (and dtm) for PostgreSQL. Create it in the database
-- that holds the business data: barrier rows and business updates commit in one local transaction.
-- ${schema} and ${table} are filled in by BarrierSchema (default dtm_barrier and dtm_barrier.barrier).
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE SEQUENCE IF NOT EXISTS ${table}_seq;

CREATE TABLE IF NOT EXISTS ${table} (
  id bigint NOT NULL DEFAULT nextval('${table}_seq'),
  trans_type varchar(45) DEFAULT '',
  gid varchar(128) DEFAULT '',
  branch_id varchar(128) DEFAULT '',
  op varchar(45) DEFAULT '',
  barrier_id varchar(45) DEFAULT '',
  -- the op whose request wrote the row; 'rollback' when a msg check-back wrote it
  reason varchar(45) DEFAULT '',
  create_time timestamp(0) with time zone DEFAULT now(),
  update_time timestamp(0) with time zone DEFAULT now(),
  PRIMARY KEY (id),
  -- the barrier's inserts name this constraint: ON CONFLICT ON CONSTRAINT uniq_barrier DO NOTHING
  CONSTRAINT uniq_barrier UNIQUE (gid, branch_id, op, barrier_id)
);
