-- dtm4j coordinator tables for MySQL / MariaDB, database {db}.
-- The layout (names, types, key names) is dtm's, so dtm and dtm4j can serve the same database.
-- Times are DATETIME: whole seconds, wall-clock time of the servers' time zone (see
-- docs/operations.md). dtm4j runs these statements itself when the tables are absent; a DBA may
-- run them beforehand. Claims use FOR UPDATE SKIP LOCKED: MySQL 8.0+ or MariaDB 10.6+.

CREATE DATABASE IF NOT EXISTS {db} DEFAULT CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS {db}.trans_global (
  id bigint(22) NOT NULL AUTO_INCREMENT,
  gid varchar(128) NOT NULL,
  trans_type varchar(45) NOT NULL,
  status varchar(12) NOT NULL,
  query_prepared varchar(1024) NOT NULL,
  protocol varchar(45) NOT NULL,
  create_time datetime DEFAULT NULL,
  update_time datetime DEFAULT NULL,
  finish_time datetime DEFAULT NULL,
  rollback_time datetime DEFAULT NULL,
  options varchar(1024) DEFAULT '',
  custom_data varchar(1024) DEFAULT '',
  next_cron_interval int(11) DEFAULT NULL,
  next_cron_time datetime DEFAULT NULL,
  owner varchar(128) NOT NULL DEFAULT '',
  ext_data text,
  result varchar(1024) DEFAULT '',
  rollback_reason varchar(1024) DEFAULT '',
  PRIMARY KEY (id),
  UNIQUE KEY gid (gid),
  KEY owner (owner),
  KEY status_next_cron_time (status, next_cron_time)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS {db}.trans_branch_op (
  id bigint(22) NOT NULL AUTO_INCREMENT,
  gid varchar(128) NOT NULL,
  url varchar(1024) NOT NULL,
  data text,
  bin_data blob,
  branch_id varchar(128) NOT NULL,
  op varchar(45) NOT NULL,
  status varchar(45) NOT NULL,
  finish_time datetime DEFAULT NULL,
  rollback_time datetime DEFAULT NULL,
  create_time datetime DEFAULT NULL,
  update_time datetime DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY gid_uniq (gid, branch_id, op)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS {db}.kv (
  id bigint(22) NOT NULL AUTO_INCREMENT,
  cat varchar(45) NOT NULL,
  k varchar(128) NOT NULL,
  v text,
  version bigint(22) DEFAULT 1,
  create_time datetime DEFAULT NULL,
  update_time datetime DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_k (cat, k)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
