-- the business table of dtm's examples (dtm_busi.user_account), reduced to what the tests use
create database if not exists dtm_busi /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
create table if not exists dtm_busi.user_account(
  id int(11) PRIMARY KEY AUTO_INCREMENT,
  user_id int(11) UNIQUE,
  balance DECIMAL(10, 2) not null default '0',
  create_time datetime DEFAULT now(),
  update_time datetime DEFAULT now()
);
