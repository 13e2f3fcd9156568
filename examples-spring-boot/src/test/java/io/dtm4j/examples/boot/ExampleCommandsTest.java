package io.dtm4j.examples.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Runs each command of the Spring Boot example through its entry point against a real in-process
 * server, on an SQLite file and on PostgreSQL: exit status 0 and the right balances (which the
 * command checks itself, and which this test reads in its output).
 */
class ExampleCommandsTest {
    static final java.util.List<String> MODES = Main.MODES;

    private static TestServer server;
    private static StoreConfig postgres;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
        if (postgres != null) {
            JdbcTestDatabases.drop(postgres);
        }
    }

    private record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("MODES")
    void eachCommandMovesThirtyCentsOnSqlite(String mode) {
        Run run = run(mode, "--dtm", server.dtm(), "--db", "jdbc:sqlite:" + dir.resolve(mode + ".db"));

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out())
                .contains("balances: user 1 has 9970 cents, user 2 has 10030 cents")
                .contains("OK: " + mode);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("MODES")
    void eachCommandMovesThirtyCentsOnPostgres(String mode) {
        JdbcTestDatabases.assumeAvailable("postgres");
        synchronized (ExampleCommandsTest.class) {
            if (postgres == null) {
                postgres = JdbcTestDatabases.config("postgres", JdbcTestDatabases.freshNamespace(), 1);
                JdbcTestDatabases.execute(postgres, "CREATE SCHEMA " + postgres.schema());
            }
        }
        String url = "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + postgres.db() + "?user="
                + postgres.user() + (postgres.password().isEmpty() ? "" : "&password=" + postgres.password())
                + "&currentSchema=" + postgres.schema();

        Run run = run(mode, "--dtm", server.dtm(), "--db", url);

        assertThat(run.status()).as(run.toString()).isZero();
        assertThat(run.out()).contains("balances: user 1 has 9970 cents, user 2 has 10030 cents");
    }

    @Test
    void anUnreachableServerExitsOne() {
        Run run = run(
                "http_saga_barrier",
                "--dtm",
                "http://127.0.0.1:1/api/dtmsvr",
                "--db",
                "jdbc:sqlite:" + dir.resolve("unreachable.db"));

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).startsWith("FAILED:");
    }

    @Test
    void aWrongCommandLineExitsTwo() {
        assertThat(run().status()).isEqualTo(2);
        assertThat(run("http_saga").status()).isEqualTo(2);
        assertThat(run("http_saga_barrier", "--dtm").status()).isEqualTo(2);
    }
}
