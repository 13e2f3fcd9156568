package io.dtm4j.client.barrier;

import com.zaxxer.hikari.HikariDataSource;
import io.dtm4j.server.testing.JdbcTestDatabases;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The barrier on MySQL/MariaDB, in a database of its own (dropped afterwards). */
class MariaDbBarrierTest extends SqlBarrierContractTest {
    private static final String DATABASE = JdbcTestDatabases.freshNamespace();
    private static HikariDataSource db;

    @BeforeAll
    static void createDatabase() throws Exception {
        JdbcTestDatabases.assumeAvailable("mysql");
        db = JdbcTestDatabases.pool("mysql", 6);
        BarrierSchema.create(db, DATABASE + ".barrier");
        createBalanceTable(db, DATABASE + ".balance");
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (db != null) {
            execute(db, "DROP DATABASE IF EXISTS " + DATABASE);
            db.close();
        }
    }

    @Override
    protected DataSource db() {
        return db;
    }

    @Override
    protected String balanceTable() {
        return DATABASE + ".balance";
    }

    @Override
    protected String barrierTable() {
        return DATABASE + ".barrier";
    }
}
