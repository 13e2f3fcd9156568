-- dtm's barrier table (sqls/dtmcli.barrier.mysql.sql in dtm). dtmcli-java 2.1.5 writes to an
-- unqualified `barrier`, so its connections must have dtm_barrier as their default database.
create database if not exists dtm_barrier /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
create table if not exists dtm_barrier.barrier(
  id bigint(22) PRIMARY KEY AUTO_INCREMENT,
  trans_type varchar(45) default '',
  gid varchar(128) default '',
  branch_id varchar(128) default '',
  op varchar(45) default '',
  barrier_id varchar(45) default '',
  reason varchar(45) default '' comment 'the branch type who insert this record',
  create_time datetime DEFAULT now(),
  update_time datetime DEFAULT now(),
  key(create_time),
  key(update_time),
  UNIQUE key(gid, branch_id, op, barrier_id)
);
