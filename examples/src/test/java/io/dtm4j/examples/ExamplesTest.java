package io.dtm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.discovery.testing.EtcdProcess;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.TestNats;
import io.dtm4j.server.testing.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs every example through its Java entry point against a real server, on SQLite, PostgreSQL and
 * MariaDB business databases, and checks what it must leave behind: exit status 0, the
 * transaction's final status on the server, the balances read back with plain JDBC, and the
 * business steps it printed.
 */
class ExamplesTest {
    private static final long START = 10_000;
    private static final long AMOUNT = 30;

    /** What an example must leave behind. */
    private record Expected(String status, long user1, long user2, List<String> printed) {}

    private static Expected transferred(String... printed) {
        return new Expected("succeed", START - AMOUNT, START + AMOUNT, List.of(printed));
    }

    private static Expected unchanged(String... printed) {
        return new Expected("failed", START, START, List.of(printed));
    }

    private static final Map<String, Expected> EXPECTED = Map.ofEntries(
            Map.entry(
                    "http_saga", transferred("[bank] transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2")),
            Map.entry(
                    "http_saga_barrier",
                    transferred("[bank] transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2")),
            Map.entry(
                    "http_saga_rollback",
                    unchanged(
                            "[bank] transfer out 30 cents from 1\n[bank] TransIn to 2 fails definitively",
                            "[bank] barrier: skipped TransInCompensate (compensate of branch 02)",
                            "[bank] compensate: transfer 30 cents back to 1")),
            Map.entry(
                    "http_msg_doAndCommit",
                    transferred("local transaction: transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2")),
            Map.entry(
                    "http_msg_queryPrepared",
                    transferred(
                            "local transaction: transfer out 30 cents from 1",
                            "[bank] check-back: the local transaction of",
                            "committed\n[bank] transfer in 30 cents to 2")),
            Map.entry(
                    "http_msg_rabbitmq",
                    transferred(
                            "local transaction: transfer out 30 cents from 1",
                            "/01/action: transfer in 30 cents to 2",
                            "[bank] requeued it unacknowledged",
                            "[bank] barrier: skipped the redelivered ")),
            Map.entry(
                    "http_msg_nats",
                    transferred(
                            "local transaction: transfer out 30 cents from 1",
                            "/01/action: transfer in 30 cents to 2\n[bank] nak'ed it unacknowledged",
                            "[bank] barrier: skipped the redelivered ")),
            Map.entry(
                    "http_tcc",
                    transferred(
                            "[bank] try: freeze 30 cents of 1\n[bank] try: book 30 incoming cents for 2",
                            "[bank] confirm: transfer in 30 cents to 2\n[bank] confirm: transfer out 30 cents from 1")),
            Map.entry(
                    "http_tcc_barrier",
                    transferred(
                            "[bank] try: freeze 30 cents of 1\n[bank] try: book 30 incoming cents for 2",
                            "[bank] confirm: transfer in 30 cents to 2\n[bank] confirm: transfer out 30 cents from 1")),
            Map.entry(
                    "http_tcc_rollback",
                    unchanged(
                            "[bank] try: freeze 30 cents of 1\n[bank] TransInTry to 2 fails definitively",
                            "[bank] barrier: skipped TransInCancel (cancel of branch 02)",
                            "[bank] cancel: unfreeze 30 cents of 1")),
            Map.entry(
                    "http_xa",
                    transferred(
                            "[bank] xa: transfer out 30 cents from 1, prepared\n"
                                    + "[bank] xa: transfer in 30 cents to 2, prepared",
                            "[bank] xa: commit TransOut of branch 01",
                            "[bank] xa: commit TransIn of branch 02")),
            Map.entry(
                    "http_xa_rollback",
                    unchanged(
                            "[bank] xa: transfer out 30 cents from 1, prepared\n[bank] TransIn to 2 fails definitively",
                            "[bank] xa: rollback TransOut of branch 01")),
            Map.entry(
                    "http_workflow",
                    transferred(
                            "[bank] transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2",
                            "workflow finished: SUCCESS")),
            Map.entry(
                    "http_workflow_rollback",
                    unchanged(
                            "[bank] transfer out 30 cents from 1\n[bank] TransIn to 2 fails definitively",
                            "[bank] compensate: transfer 30 cents back to 1\nworkflow finished: FAILURE")),
            Map.entry(
                    "grpc_saga", transferred("[bank] transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2")),
            Map.entry(
                    "grpc_msg",
                    transferred("local transaction: transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2")),
            Map.entry(
                    "grpc_tcc",
                    transferred(
                            "[bank] try: freeze 30 cents of 1\n[bank] try: book 30 incoming cents for 2",
                            "[bank] confirm: transfer in 30 cents to 2\n[bank] confirm: transfer out 30 cents from 1")),
            Map.entry(
                    "grpc_xa",
                    transferred(
                            "[bank] xa: transfer out 30 cents from 1, prepared\n"
                                    + "[bank] xa: transfer in 30 cents to 2, prepared",
                            "[bank] xa: commit TransOutXa of branch 01",
                            "[bank] xa: commit TransInXa of branch 02")),
            Map.entry(
                    "grpc_xa_rollback",
                    unchanged(
                            "[bank] xa: transfer out 30 cents from 1, prepared\n[bank] TransIn to 2 fails definitively",
                            "[bank] xa: rollback TransOutXa of branch 01")),
            Map.entry(
                    "grpc_workflow",
                    transferred(
                            "/trans.TransSvc/TransOut\n[bank] transfer out 30 cents from 1\nworkflow step 02: ",
                            "/trans.TransSvc/TransIn\n[bank] transfer in 30 cents to 2\nworkflow finished: SUCCESS")));

    /** Examples that wait for the server's scheduler, which the test server runs only when asked. */
    private static final Set<String> NEED_SCHEDULER = Set.of("http_msg_queryPrepared");

    private static TestServer server;
    /** The NATS with JetStream of http_msg_nats, or null (that example is then skipped). */
    private static String nats;

    @TempDir
    static Path dir;

    private static StoreConfig postgres;
    private static StoreConfig mariadb;

    @BeforeAll
    static void start() {
        nats = TestNats.addressOrNull();
        // the broker examples publish through the server's Brokers entries to the machine's RabbitMQ and NATS
        server = new TestServer(c -> c.withBrokers(Map.of(
                "rabbitmq", new Broker("amqp", List.of("127.0.0.1:5672"), "guest", "guest", "/"),
                "nats", new Broker("nats", List.of(nats == null ? "127.0.0.1:4222" : nats), "", "", "/"))));
        if (JdbcTestDatabases.unavailable("postgres").isEmpty()) {
            postgres = BusinessDatabases.createNamespace("postgres");
        }
        if (JdbcTestDatabases.unavailable("mysql").isEmpty()) {
            mariadb = BusinessDatabases.createNamespace("mysql");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        if (nats != null) { // the stream http_msg_nats made on first use
            try (var c = io.nats.client.Nats.connect("nats://" + nats)) {
                c.jetStreamManagement().deleteStream(MsgNatsExample.STREAM);
            } catch (Exception e) {
                // not made (the example did not run) or already gone
            }
        }
        if (postgres != null) {
            JdbcTestDatabases.drop(postgres);
        }
        if (mariadb != null) {
            JdbcTestDatabases.drop(mariadb);
        }
    }

    /** The examples that run against the shared server; grpc_msg_etcd needs etcd and a go-zero server. */
    static Stream<String> names() {
        return allNames().filter(name -> !name.equals("grpc_msg_etcd"));
    }

    static Stream<String> allNames() {
        return Examples.all().stream().map(Example::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void exampleEndsAsExpectedOnSqlite(String name) throws SQLException {
        runAndCheck(name, BusinessDatabases.sqlite(dir, name), Bank.Kind.SQLITE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void exampleEndsAsExpectedOnPostgres(String name) throws SQLException {
        JdbcTestDatabases.assumeAvailable("postgres");
        runAndCheck(name, BusinessDatabases.url(postgres), Bank.Kind.POSTGRES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void exampleEndsAsExpectedOnMariadb(String name) throws SQLException {
        JdbcTestDatabases.assumeAvailable("mysql");
        runAndCheck(name, BusinessDatabases.url(mariadb), Bank.Kind.MARIADB);
    }

    /**
     * grpc_msg_etcd against a server on dtm-driver-gozero registered in etcd as {@code dtmservice}:
     * the application dials it directly ({@code --dtm-grpc}) or through etcd ({@code --dtm-target}).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--dtm-grpc", "--dtm-target"})
    void grpcMsgEtcdReachesTheBankThroughEtcdOnSqlite(String serverOption) throws SQLException {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            int grpcPort = freePort();
            String registered = "etcd://" + etcd.address() + "/dtmservice";
            var microService = new MicroServiceConfig("dtm-driver-gozero", registered, "127.0.0.1:" + grpcPort);
            try (TestServer gozero =
                    new TestServer(c -> Configs.grpcPort(c, grpcPort).withMicroService(microService))) {
                String db = BusinessDatabases.sqlite(dir, "grpc_msg_etcd" + serverOption);
                String grpcTarget = serverOption.equals("--dtm-target") ? registered : "127.0.0.1:" + grpcPort;

                ExampleRun run = ExampleRun.of(
                        "grpc_msg_etcd",
                        "--dtm",
                        gozero.dtm(),
                        serverOption,
                        grpcTarget,
                        "--etcd",
                        etcd.address(),
                        "--db",
                        db);

                assertThat(run.exitStatus()).as(run::toString).isEqualTo(Main.OK);
                String service = "etcd://" + etcd.address() + "/trans/trans.TransSvc/";
                assertThat(run.out())
                        .contains("dtm server, gRPC: " + grpcTarget)
                        .containsPattern("\\[bank\\] registered in etcd " + Pattern.quote(etcd.address())
                                + ": trans/\\d+ = 127\\.0\\.0\\.1:\\d+")
                        .contains("step: " + service + "TransIn")
                        .contains("check-back: " + service + "QueryPrepared")
                        .contains("local transaction: transfer out 30 cents from 1\n[bank] transfer in 30 cents to 2")
                        .contains("OK: grpc_msg_etcd ended as expected");
                assertThat(gozero.status(run.gid())).isEqualTo("succeed");
                assertThat(gozero.transaction(run.gid()).path("query_prepared").asText())
                        .isEqualTo(service + "QueryPrepared");
                assertThat(BusinessDatabases.balance(db, 1)).isEqualTo(START - AMOUNT);
                assertThat(BusinessDatabases.balance(db, 2)).isEqualTo(START + AMOUNT);
                // the bank revoked its lease when it stopped: nothing is left under trans/
                assertThat(etcd.client().list("trans/").values()).isEmpty();
            }
        }
    }

    @Test
    void grpcMsgEtcdFailsWithoutMovingMoneyWhenNoServerIsRegisteredUnderTheTarget() throws SQLException {
        try (EtcdProcess etcd = EtcdProcess.start()) {
            String db = BusinessDatabases.sqlite(dir, "grpc_msg_etcd-no-dtm");
            String target = "etcd://" + etcd.address() + "/nodtm";

            ExampleRun run = ExampleRun.of(
                    "grpc_msg_etcd",
                    "--dtm",
                    server.dtm(),
                    "--dtm-target",
                    target,
                    "--etcd",
                    etcd.address(),
                    "--db",
                    db);

            assertThat(run.exitStatus()).as(run::toString).isEqualTo(Main.FAILED);
            assertThat(run.err())
                    .contains("FAILED: cannot reach the dtm server at " + target)
                    .contains("no instance of " + target + " is registered")
                    .contains("with --dtm-target");
            assertThat(BusinessDatabases.balance(db, 1)).isEqualTo(START);
            assertThat(BusinessDatabases.balance(db, 2)).isEqualTo(START);
        }
    }

    @Test
    void grpcMsgEtcdFailsWithoutMovingMoneyWhenEtcdIsNotThere() throws SQLException {
        String db = BusinessDatabases.sqlite(dir, "grpc_msg_etcd-no-etcd");

        ExampleRun run = ExampleRun.of(
                "grpc_msg_etcd",
                "--dtm",
                server.dtm(),
                "--dtm-grpc",
                "127.0.0.1:" + server.server().grpcPort(),
                "--etcd",
                "127.0.0.1:1",
                "--db",
                db);

        assertThat(run.exitStatus()).as(run::toString).isEqualTo(Main.FAILED);
        assertThat(run.err())
                .contains("FAILED: cannot register the bank in etcd: cannot reach etcd at 127.0.0.1:1")
                .contains("pass its address with --etcd");
        assertThat(BusinessDatabases.balance(db, 1)).isEqualTo(START);
        assertThat(BusinessDatabases.balance(db, 2)).isEqualTo(START);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allNames")
    void exampleFailsWithoutMovingMoneyWhenTheServerIsNotThere(String name) throws SQLException {
        String db = BusinessDatabases.sqlite(dir, "no-server-" + name);
        if (Examples.find(name).orElseThrow().unsupported(Bank.Kind.SQLITE).isPresent()) {
            JdbcTestDatabases.assumeAvailable("postgres"); // XA
            db = BusinessDatabases.url(postgres);
        }

        ExampleRun run =
                ExampleRun.of(name, "--dtm", "http://127.0.0.1:1/api/dtmsvr", "--dtm-grpc", "127.0.0.1:1", "--db", db);

        assertThat(run.exitStatus()).as(run::toString).isEqualTo(Main.FAILED);
        assertThat(run.err())
                .contains(
                        name.startsWith("grpc_")
                                ? "FAILED: cannot reach the dtm server at 127.0.0.1:1"
                                : "FAILED: cannot reach the dtm server at http://127.0.0.1:1/api/dtmsvr")
                .contains("start it with bin/dtm4j");
        assertThat(BusinessDatabases.balance(db, 1)).isEqualTo(START);
        assertThat(BusinessDatabases.balance(db, 2)).isEqualTo(START);
    }

    private static void runAndCheck(String name, String db, Bank.Kind kind) throws SQLException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                nats != null || !name.equals("http_msg_nats"), "no NATS with JetStream for " + name);
        String[] args = {
            name,
            "--dtm",
            server.dtm(),
            "--dtm-grpc",
            "127.0.0.1:" + server.server().grpcPort(),
            "--db",
            db,
            "--nats",
            "nats://" + (nats == null ? "127.0.0.1:4222" : nats)
        };
        ExampleRun run = NEED_SCHEDULER.contains(name) ? runWithScheduler(args) : ExampleRun.of(args);

        if (Examples.find(name).orElseThrow().unsupported(kind).isPresent()) {
            assertThat(run.exitStatus()).as(run::toString).isEqualTo(Main.FAILED);
            assertThat(run.err()).contains("FAILED: " + name + " cannot run on " + db);
            return;
        }
        Expected expected = EXPECTED.get(name);
        assertThat(expected).as("the expectations of " + name).isNotNull();
        assertThat(run.exitStatus()).as(run::toString).isEqualTo(Main.OK);
        assertThat(run.out()).contains(expected.printed()).contains("OK: " + name + " ended as expected");
        assertThat(server.status(run.gid())).isEqualTo(expected.status());
        assertThat(BusinessDatabases.balance(db, 1)).isEqualTo(expected.user1());
        assertThat(BusinessDatabases.balance(db, 2)).isEqualTo(expected.user2());
    }

    /** Runs the example in the background while moving the server's clock and running its scheduler. */
    private static ExampleRun runWithScheduler(String... args) {
        CompletableFuture<ExampleRun> run = CompletableFuture.supplyAsync(() -> ExampleRun.of(args));
        await("example " + args[0] + " finishing")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    server.clock.advance(Duration.ofSeconds(5));
                    server.cron();
                    return run.isDone();
                });
        return run.join();
    }
}
