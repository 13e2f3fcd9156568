package io.dtm4j.client.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.BranchIdentity;
import org.junit.jupiter.api.Test;

/** The shipped DDL and table names, without a database. */
class BarrierSchemaTest {

    @Test
    void postgresScriptMatchesDtmsTable() {
        String ddl = BarrierSchema.ddl(SqlDialect.POSTGRES);

        assertThat(ddl)
                .contains("CREATE SCHEMA IF NOT EXISTS dtm_barrier;")
                .contains("CREATE SEQUENCE IF NOT EXISTS dtm_barrier.barrier_seq;")
                .contains("CREATE TABLE IF NOT EXISTS dtm_barrier.barrier (")
                .contains("nextval('dtm_barrier.barrier_seq')")
                .contains("CONSTRAINT uniq_barrier UNIQUE (gid, branch_id, op, barrier_id)")
                .doesNotContain("${")
                .doesNotContain("--");
    }

    @Test
    void mysqlScriptCreatesTheDatabaseAndTheUniqueKey() {
        String ddl = BarrierSchema.ddl(SqlDialect.MYSQL);

        assertThat(ddl)
                .contains("CREATE DATABASE IF NOT EXISTS dtm_barrier")
                .contains("CREATE TABLE IF NOT EXISTS dtm_barrier.barrier (")
                .contains("UNIQUE KEY uniq_barrier (gid, branch_id, op, barrier_id)");
    }

    @Test
    void sqliteJoinsTheQualifierIntoTheTableName() {
        assertThat(BarrierSchema.statements(SqlDialect.SQLITE, BranchBarrier.DEFAULT_TABLE))
                .singleElement()
                .asString()
                .startsWith("CREATE TABLE IF NOT EXISTS dtm_barrier_barrier (");
        assertThat(SqlDialect.SQLITE.insertIgnore(BranchBarrier.DEFAULT_TABLE))
                .startsWith("INSERT OR IGNORE INTO dtm_barrier_barrier ");
    }

    @Test
    void anUnqualifiedTableNeedsNoSchema() {
        assertThat(BarrierSchema.statements(SqlDialect.POSTGRES, "barrier"))
                .hasSize(2)
                .noneMatch(sql -> sql.contains("SCHEMA"))
                .anyMatch(sql -> sql.equals("CREATE SEQUENCE IF NOT EXISTS barrier_seq"));
    }

    @Test
    void tableNamesThatAreNotIdentifiersAreRejected() {
        BranchBarrier barrier = BranchBarrier.of(new BranchIdentity("saga", "g", "01", "action"));

        for (String bad : new String[] {"", "a.b.c", "x; DROP TABLE y", "1table", "a b", ".barrier"}) {
            assertThatThrownBy(() -> barrier.withTable(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid barrier table name");
        }
        assertThatThrownBy(() -> BarrierSchema.ddl(SqlDialect.MYSQL, "no way"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(barrier.withTable("my_schema.my_barrier").table()).isEqualTo("my_schema.my_barrier");
    }
}
