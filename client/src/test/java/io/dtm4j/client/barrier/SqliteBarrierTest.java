package io.dtm4j.client.barrier;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** The barrier on SQLite, the zero-set-up database: a file, {@link BarrierSchema#create}, done. */
class SqliteBarrierTest extends SqlBarrierContractTest {
    private static Path file;
    private static SQLiteDataSource db;

    @BeforeAll
    static void createDatabase() throws Exception {
        file = Files.createTempFile("dtm4j-barrier", ".db");
        SQLiteConfig config = new SQLiteConfig();
        // concurrent writers wait for each other's commit instead of failing at once
        config.setBusyTimeout(10_000);
        db = new SQLiteDataSource(config);
        db.setUrl("jdbc:sqlite:" + file);
        createBalanceTable(db, "balance");
        BarrierSchema.create(db, "test_barrier.barrier");
    }

    @AfterAll
    static void deleteDatabase() throws Exception {
        Files.deleteIfExists(file);
    }

    @Override
    protected DataSource db() {
        return db;
    }

    @Override
    protected String balanceTable() {
        return "balance";
    }

    @Override
    protected String barrierTable() {
        return "test_barrier.barrier";
    }
}
