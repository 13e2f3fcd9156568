package io.dtm4j.client.barrier;

import com.zaxxer.hikari.HikariDataSource;
import io.dtm4j.server.testing.JdbcTestDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The barrier on PostgreSQL, in a schema of its own (dropped afterwards). */
class PostgresBarrierTest extends SqlBarrierContractTest {
    private static final String SCHEMA = JdbcTestDatabases.freshNamespace();
    private static HikariDataSource db;

    @BeforeAll
    static void createSchema() throws Exception {
        JdbcTestDatabases.assumeAvailable("postgres");
        db = JdbcTestDatabases.pool("postgres", 6);
        BarrierSchema.create(db, SCHEMA + ".barrier");
        createBalanceTable(db, SCHEMA + ".balance");
    }

    @AfterAll
    static void dropSchema() throws Exception {
        if (db != null) {
            execute(db, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            db.close();
        }
    }

    @Override
    protected DataSource db() {
        return db;
    }

    @Override
    protected String balanceTable() {
        return SCHEMA + ".balance";
    }

    @Override
    protected String barrierTable() {
        return SCHEMA + ".barrier";
    }
}
