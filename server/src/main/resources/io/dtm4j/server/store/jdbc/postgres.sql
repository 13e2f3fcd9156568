-- dtm4j coordinator tables for PostgreSQL, schema {schema}.
-- The layout (names, types, sequences, constraint and index names) is dtm's, so dtm and dtm4j
-- can serve the same database. Times are timestamp(0) with time zone: whole seconds, absolute.
-- dtm4j runs these statements itself when the tables are absent; a DBA may run them beforehand.

CREATE SCHEMA IF NOT EXISTS {schema};

CREATE SEQUENCE IF NOT EXISTS {schema}.trans_global_seq;
CREATE TABLE IF NOT EXISTS {schema}.trans_global (
  id bigint NOT NULL DEFAULT nextval('{schema}.trans_global_seq'),
  gid varchar(128) NOT NULL,
  trans_type varchar(45) NOT NULL,
  status varchar(45) NOT NULL,
  query_prepared varchar(1024) NOT NULL,
  protocol varchar(45) NOT NULL,
  create_time timestamp(0) with time zone DEFAULT NULL,
  update_time timestamp(0) with time zone DEFAULT NULL,
  finish_time timestamp(0) with time zone DEFAULT NULL,
  rollback_time timestamp(0) with time zone DEFAULT NULL,
  options varchar(1024) DEFAULT '',
  custom_data varchar(1024) DEFAULT '',
  next_cron_interval int DEFAULT NULL,
  next_cron_time timestamp(0) with time zone DEFAULT NULL,
  owner varchar(128) NOT NULL DEFAULT '',
  ext_data text,
  result varchar(1024) DEFAULT '',
  rollback_reason varchar(1024) DEFAULT '',
  PRIMARY KEY (id),
  CONSTRAINT gid UNIQUE (gid)
);
CREATE INDEX IF NOT EXISTS owner ON {schema}.trans_global (owner);
CREATE INDEX IF NOT EXISTS status_next_cron_time ON {schema}.trans_global (status, next_cron_time);

CREATE SEQUENCE IF NOT EXISTS {schema}.trans_branch_op_seq;
CREATE TABLE IF NOT EXISTS {schema}.trans_branch_op (
  id bigint NOT NULL DEFAULT nextval('{schema}.trans_branch_op_seq'),
  gid varchar(128) NOT NULL,
  url varchar(1024) NOT NULL,
  data text,
  bin_data bytea,
  branch_id varchar(128) NOT NULL,
  op varchar(45) NOT NULL,
  status varchar(45) NOT NULL,
  finish_time timestamp(0) with time zone DEFAULT NULL,
  rollback_time timestamp(0) with time zone DEFAULT NULL,
  create_time timestamp(0) with time zone DEFAULT NULL,
  update_time timestamp(0) with time zone DEFAULT NULL,
  PRIMARY KEY (id),
  CONSTRAINT gid_branch_uniq UNIQUE (gid, branch_id, op)
);

CREATE SEQUENCE IF NOT EXISTS {schema}.kv_seq;
CREATE TABLE IF NOT EXISTS {schema}.kv (
  id bigint NOT NULL DEFAULT nextval('{schema}.kv_seq'),
  cat varchar(45) NOT NULL,
  k varchar(128) NOT NULL,
  v text,
  version bigint DEFAULT 1,
  create_time timestamp(0) with time zone DEFAULT NULL,
  update_time timestamp(0) with time zone DEFAULT NULL,
  PRIMARY KEY (id),
  CONSTRAINT uniq_k UNIQUE (cat, k)
);
