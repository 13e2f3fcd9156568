package io.dtm4j.spring.bank;

import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The Spring barrier tests on PostgreSQL (skipped, saying why, when it is unreachable). */
@SpringBootTest(classes = BankApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PostgresBarrierInSpringTransactionsTest extends BarrierInSpringTransactionsTest {
    static StoreConfig db;
    static TestServer server;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        JdbcTestDatabases.assumeAvailable("postgres");
        db = BankTestSupport.createNamespace("postgres");
        server = new TestServer();
        properties(server, db).forEach((k, v) -> registry.add(k, () -> v));
    }

    @AfterAll
    static void dropDatabase() {
        if (server != null) {
            server.close();
        }
        drop(db);
    }

    @Override
    TestServer testServer() {
        return server;
    }
}
