package io.dtm4j.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The DDL printed for DBAs and the names it accepts; needs no database. */
class SqlDialectTest {

    @Test
    void postgresDdlCreatesDtmTablesInTheSchema() {
        String ddl = new PostgresDialect().ddl("dtm_schema");
        assertThat(ddl)
                .contains("CREATE SCHEMA IF NOT EXISTS dtm_schema;")
                .contains("CREATE SEQUENCE IF NOT EXISTS dtm_schema.trans_global_seq;")
                .contains("CREATE TABLE IF NOT EXISTS dtm_schema.trans_branch_op (")
                .contains("CONSTRAINT gid_branch_uniq UNIQUE (gid, branch_id, op)")
                .contains("status_next_cron_time ON dtm_schema.trans_global (status, next_cron_time)")
                .doesNotContain("{schema}");
        assertThat(new PostgresDialect().ddlStatements("dtm_schema")).hasSize(9);
    }

    @Test
    void mysqlDdlCreatesDtmTablesInTheDatabase() {
        String ddl = new MySqlDialect().ddl("dtm");
        assertThat(ddl)
                .contains("CREATE DATABASE IF NOT EXISTS dtm DEFAULT CHARACTER SET utf8mb4;")
                .contains("CREATE TABLE IF NOT EXISTS dtm.trans_global (")
                .contains("UNIQUE KEY gid_uniq (gid, branch_id, op)")
                .contains("KEY status_next_cron_time (status, next_cron_time)")
                .doesNotContain("{db}");
        assertThat(new MySqlDialect().ddlStatements("dtm")).hasSize(4);
    }

    @Test
    void namesAreCheckedAndPostgresSchemasFoldToLowerCase() {
        assertThat(new PostgresDialect().namespace("dtm", "Public")).isEqualTo("public");
        assertThat(new MySqlDialect().namespace("dtm", "public")).isEqualTo("dtm");
        assertThatThrownBy(() -> new MySqlDialect().namespace("dtm; DROP TABLE x", "public"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SqlDialect.forDriver("sqlserver")).isInstanceOf(IllegalArgumentException.class);
    }
}
