package io.dtm4j.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A database as dtm leaves it: tables created with dtm's DDL (docs/protocol.md §11.2, with its
 * comments, backquotes and sequences), and a saga written the way dtm writes it (server-local
 * wall-clock time strings, options JSON, payload in bin_data). dtm4j must serve it unchanged and
 * finish the saga.
 */
class ExistingDtmDatabaseTest {
    static final BusinessStub busi = new BusinessStub();
    static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @AfterAll
    static void stop() {
        busi.close();
    }

    static String dtmMysqlDdl(String db) {
        return """
                CREATE DATABASE IF NOT EXISTS %1$s
                /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
                CREATE TABLE if not EXISTS %1$s.trans_global (
                  `id` bigint(22) NOT NULL AUTO_INCREMENT,
                  `gid` varchar(128) NOT NULL COMMENT 'global transaction id',
                  `trans_type` varchar(45) not null COMMENT 'saga | xa | tcc | msg | workflow',
                  `status` varchar(12) NOT NULL COMMENT 'prepared | submitted | aborting | succeed | failed',
                  `query_prepared` varchar(1024) NOT NULL COMMENT 'check-back url of a msg',
                  `protocol` varchar(45) not null comment 'http | grpc | json-rpc',
                  `create_time` datetime DEFAULT NULL,
                  `update_time` datetime DEFAULT NULL,
                  `finish_time` datetime DEFAULT NULL,
                  `rollback_time` datetime DEFAULT NULL,
                  `options` varchar(1024) DEFAULT '' COMMENT 'transaction options',
                  `custom_data` varchar(1024) DEFAULT '' COMMENT 'custom data',
                  `next_cron_interval` int(11) default null comment 'next retry interval',
                  `next_cron_time` datetime default null comment 'next time the cron processes it',
                  `owner` varchar(128) not null default '' comment 'who locks it',
                  `ext_data` TEXT comment 'extra data',
                  `result` varchar(1024) DEFAULT '' COMMENT 'workflow result',
                  `rollback_reason` varchar(1024) DEFAULT '' COMMENT 'rollback reason',
                  PRIMARY KEY (`id`),
                  UNIQUE KEY `gid` (`gid`),
                  key `owner`(`owner`),
                  key `status_next_cron_time` (`status`, `next_cron_time`) comment 'used by the cron'
                ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
                CREATE TABLE IF NOT EXISTS %1$s.trans_branch_op (
                  `id` bigint(22) NOT NULL AUTO_INCREMENT,
                  `gid` varchar(128) NOT NULL COMMENT 'global transaction id',
                  `url` varchar(1024) NOT NULL COMMENT 'url of this op',
                  `data` TEXT COMMENT 'request body, deprecated',
                  `bin_data` BLOB COMMENT 'request body',
                  `branch_id` VARCHAR(128) NOT NULL COMMENT 'branch id',
                  `op` varchar(45) NOT NULL COMMENT 'action | compensate | try | confirm | cancel',
                  `status` varchar(45) NOT NULL COMMENT 'prepared | succeed | failed',
                  `finish_time` datetime DEFAULT NULL,
                  `rollback_time` datetime DEFAULT NULL,
                  `create_time` datetime DEFAULT NULL,
                  `update_time` datetime DEFAULT NULL,
                  PRIMARY KEY (`id`),
                  UNIQUE KEY `gid_uniq` (`gid`, `branch_id`, `op`)
                ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
                CREATE TABLE IF NOT EXISTS %1$s.kv (
                  `id` bigint(22) NOT NULL AUTO_INCREMENT,
                  `cat` varchar(45) NOT NULL COMMENT 'category',
                  `k` varchar(128) NOT NULL,
                  `v` TEXT,
                  `version` bigint(22) default 1 COMMENT 'version of the value',
                  create_time datetime default NULL,
                  update_time datetime DEFAULT NULL,
                  PRIMARY KEY (`id`),
                  UNIQUE key `uniq_k`(`cat`, `k`)
                ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
                """.formatted(db);
    }

    static String dtmPostgresDdl(String schema) {
        return """
                CREATE SCHEMA if not EXISTS %1$s;
                CREATE SEQUENCE if not EXISTS %1$s.trans_global_seq;
                CREATE TABLE if not EXISTS %1$s.trans_global (
                  id bigint NOT NULL DEFAULT NEXTVAL ('%1$s.trans_global_seq'),
                  gid varchar(128) NOT NULL,
                  trans_type varchar(45) not null,
                  status varchar(45) NOT NULL,
                  query_prepared varchar(1024) NOT NULL,
                  protocol varchar(45) not null,
                  create_time timestamp(0) with time zone DEFAULT NULL,
                  update_time timestamp(0) with time zone DEFAULT NULL,
                  finish_time timestamp(0) with time zone DEFAULT NULL,
                  rollback_time timestamp(0) with time zone DEFAULT NULL,
                  options varchar(1024) DEFAULT '',
                  custom_data varchar(1024) DEFAULT '',
                  next_cron_interval int default null,
                  next_cron_time timestamp(0) with time zone default null,
                  owner varchar(128) not null default '',
                  ext_data text,
                  result varchar(1024) DEFAULT '',
                  rollback_reason varchar(1024) DEFAULT '',
                  PRIMARY KEY (id),
                  CONSTRAINT gid UNIQUE (gid)
                );
                create index if not EXISTS owner on %1$s.trans_global(owner);
                create index if not EXISTS status_next_cron_time on %1$s.trans_global (status, next_cron_time);
                CREATE SEQUENCE if not EXISTS %1$s.trans_branch_op_seq;
                CREATE TABLE IF NOT EXISTS %1$s.trans_branch_op (
                  id bigint NOT NULL DEFAULT NEXTVAL ('%1$s.trans_branch_op_seq'),
                  gid varchar(128) NOT NULL,
                  url varchar(1024) NOT NULL,
                  data TEXT,
                  bin_data bytea,
                  branch_id VARCHAR(128) NOT NULL,
                  op varchar(45) NOT NULL,
                  status varchar(45) NOT NULL,
                  finish_time timestamp(0) with time zone DEFAULT NULL,
                  rollback_time timestamp(0) with time zone DEFAULT NULL,
                  create_time timestamp(0) with time zone DEFAULT NULL,
                  update_time timestamp(0) with time zone DEFAULT NULL,
                  PRIMARY KEY (id),
                  CONSTRAINT gid_branch_uniq UNIQUE (gid, branch_id, op)
                );
                CREATE SEQUENCE if not EXISTS %1$s.kv_seq;
                CREATE TABLE IF NOT EXISTS %1$s.kv (
                  id bigint NOT NULL DEFAULT NEXTVAL ('%1$s.kv_seq'),
                  cat varchar(45) NOT NULL,
                  k varchar(128) NOT NULL,
                  v TEXT,
                  version bigint default 1,
                  create_time timestamp(0) with time zone DEFAULT NULL,
                  update_time timestamp(0) with time zone DEFAULT NULL,
                  PRIMARY KEY (id),
                  CONSTRAINT uniq_k UNIQUE (cat, k)
                )
                """.formatted(schema);
    }

    @Test
    void aSagaWrittenByDtmInMysqlIsFinished() throws Exception {
        JdbcTestDatabases.assumeAvailable("mysql");
        servesADtmDatabase(JdbcTestDatabases.config("mysql", "dtm4j_test_dtmdb", 4), "dtm4j_test_dtmdb.");
    }

    @Test
    void aSagaWrittenByDtmInPostgresIsFinished() throws Exception {
        JdbcTestDatabases.assumeAvailable("postgres");
        servesADtmDatabase(JdbcTestDatabases.config("postgres", "dtm4j_test_dtmdb", 4), "dtm4j_test_dtmdb.");
    }

    private void servesADtmDatabase(StoreConfig config, String prefix) throws Exception {
        boolean pg = config.driver().equals("postgres");
        String gid = "written-by-dtm-" + config.driver();
        JdbcTestDatabases.drop(config);
        JdbcTestDatabases.execute(
                config, (pg ? dtmPostgresDdl(config.schema()) : dtmMysqlDdl(config.db())).split(";\n"));
        try (TestServer dtm = new TestServer(config, c -> c)) {
            Instant now = dtm.clock.instant();
            ZoneId zone = ZoneId.systemDefault();
            try (Connection c = JdbcTestDatabases.connect(config)) {
                writeAsDtm(c, gid, pg, prefix, zone, now);
            }

            assertThat(dtm.cron()).isEqualTo(1);

            assertThat(dtm.status(gid)).isEqualTo("succeed");
            assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
            assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
            assertThat(busi.calls(gid).getFirst().body()).isEqualTo("{\"amount\":30}");
            try (Connection c = JdbcTestDatabases.connect(config)) {
                // dtm4j writes times as dtm reads them: the servers' wall clock, whole seconds
                assertThat(localTime(c, gid, pg, prefix, zone)).isEqualTo(LOCAL.format(now.atZone(zone)));
            }
        } finally {
            JdbcTestDatabases.drop(config);
        }
    }

    /** Inserts a submitted saga with two steps as dtm does: local time strings, JSON options. */
    private static void writeAsDtm(Connection c, String gid, boolean pg, String prefix, ZoneId zone, Instant now)
            throws SQLException {
        if (pg) {
            try (Statement s = c.createStatement()) {
                s.execute("SET TIME ZONE '" + zone.getId() + "'"); // dtm shares the database's zone
            }
        }
        String created = "'" + LOCAL.format(now.minusSeconds(60).atZone(zone)) + "'";
        String due = "'" + LOCAL.format(now.minusSeconds(30).atZone(zone)) + "'";
        try (Statement s = c.createStatement()) {
            s.execute("INSERT INTO " + prefix + "trans_global (gid, trans_type, status, query_prepared, protocol,"
                    + " create_time, update_time, options, custom_data, next_cron_interval, next_cron_time, owner,"
                    + " ext_data) VALUES ('" + gid + "', 'saga', 'submitted', '', 'http', " + created + ", "
                    + created + ", '{\"concurrent\":false}', '{\"concurrent\":false}', 10, " + due
                    + ", '', '')");
        }
        String[][] rows = {
            {"01", "compensate", "TransOutRevert"},
            {"01", "action", "TransOut"},
            {"02", "compensate", "TransInRevert"},
            {"02", "action", "TransIn"}
        };
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix
                + "trans_branch_op (gid, url, bin_data, branch_id, op, status, create_time, update_time)"
                + " VALUES (?, ?, ?, ?, ?, 'prepared', " + created + ", " + created + ")")) {
            for (String[] r : rows) {
                ps.setString(1, gid);
                ps.setString(2, busi.url(r[2]));
                ps.setBytes(3, "{\"amount\":30}".getBytes(StandardCharsets.UTF_8));
                ps.setString(4, r[0]);
                ps.setString(5, r[1]);
                ps.executeUpdate();
            }
        }
    }

    private static String localTime(Connection c, String gid, boolean pg, String prefix, ZoneId zone)
            throws SQLException {
        String column = pg
                ? "to_char(finish_time AT TIME ZONE '" + zone.getId() + "', 'YYYY-MM-DD HH24:MI:SS')"
                : "DATE_FORMAT(finish_time, '%Y-%m-%d %H:%i:%s')";
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT " + column + " FROM " + prefix + "trans_global WHERE gid = '" + gid + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
