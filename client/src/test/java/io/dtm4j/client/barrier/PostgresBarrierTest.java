package io.dtm4j.client.barrier;

import com.zaxxer.hikari.HikariConfig;
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
        db = pool("postgres", "jdbc:postgresql://%s:%d/test");
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

    /** A small pool for {@code driver} (postgres or mysql) at the test address. */
    static HikariDataSource pool(String driver, String urlFormat) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(urlFormat.formatted(JdbcTestDatabases.host(driver), JdbcTestDatabases.port(driver)));
        config.setUsername(JdbcTestDatabases.user(driver));
        config.setPassword(JdbcTestDatabases.password(driver));
        config.setMaximumPoolSize(6);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
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
