package io.dtm4j.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreContractTest;
import io.dtm4j.server.testing.JdbcTestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the store contract against Postgres (skipped with the reason when the server is unreachable),
 * in a namespace of its own, emptied before every test.
 */
class JdbcPostgresStoreTest extends StoreContractTest {
    // a namespace of its own per run: other work trees may run this suite on the same server at once
    static final StoreConfig CONFIG = JdbcTestDatabases.config("postgres", JdbcTestDatabases.freshNamespace(), 10);

    @Override
    protected Store createStore() {
        JdbcTestDatabases.assumeAvailable("postgres");
        JdbcStore opened = JdbcStore.open(CONFIG);
        JdbcTestDatabases.truncate(CONFIG);
        return opened;
    }

    @AfterAll
    static void dropNamespace() {
        if (JdbcTestDatabases.unavailable("postgres").isEmpty()) {
            JdbcTestDatabases.drop(CONFIG);
        }
    }

    @Test
    void theSchemaHasDtmIndexNames() throws SQLException {
        try (Connection c = JdbcTestDatabases.connect(CONFIG)) {
            assertThat(indexes(c)).contains("gid", "owner", "status_next_cron_time", postgresNames());
        }
    }

    private static String postgresNames() {
        return "postgres".equals("postgres") ? "gid_branch_uniq" : "gid_uniq";
    }

    private static List<String> indexes(Connection c) throws SQLException {
        String sql = "postgres".equals("postgres")
                ? "SELECT indexname FROM pg_indexes WHERE schemaname = '" + CONFIG.schema() + "'"
                : "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = '" + CONFIG.db()
                        + "'";
        List<String> names = new ArrayList<>();
        try (var s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
