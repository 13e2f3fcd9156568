package io.dtm4j.server.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.jdbc.JdbcStore;
import io.dtm4j.server.store.redis.RedisStore;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.QueryString;
import io.dtm4j.server.testing.RedisTestSupport;
import io.dtm4j.server.testing.ServerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three server processes on one shared store (a PostgreSQL database, or a Redis prefix); sagas whose
 * branches fail at random before they succeed; one node killed with SIGKILL and another paused past
 * its lease mid-run. Every saga must end {@code succeed}, every action's effect applied exactly once
 * (the business service applies an effect on the first successful call of a (gid, branch, op) and
 * counts the calls after it as duplicates, as a barrier would), and no compensation may run. A store
 * that is not reachable is skipped with the reason.
 */
class MultiNodeTest {
    private static final String PG_HOST = JdbcTestDatabases.host("postgres");
    private static final int PG_PORT = JdbcTestDatabases.port("postgres");
    private static final String PG_USER = JdbcTestDatabases.user("postgres");
    private static final String PG_PASSWORD = JdbcTestDatabases.password("postgres");
    /** A database of its own per run: other work trees may run this test on the same server at once. */
    private static final String DB = "dtm4j_multinode_" + Long.toHexString(System.nanoTime());

    private static final int SAGAS = Integer.getInteger("dtm4j.multinode.sagas", 2000);
    /** How often the fault injector looks at the submission's progress. */
    private static final Duration SUBMIT_POLL = Duration.ofMillis(100);

    /** What the test reads from the shared store: every transaction and its branch rows. */
    private Store store;

    private String redisPrefix;
    private String driver;

    @TempDir
    Path tmp;

    private final List<ServerProcess> nodes = new ArrayList<>();
    private HttpServer busi;
    private final Map<String, Integer> effects = new ConcurrentHashMap<>();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger compensations = new AtomicInteger();

    @AfterEach
    void stop() {
        nodes.forEach(ServerProcess::close);
        if (busi != null) {
            busi.stop(0);
        }
        if (store != null) {
            store.close();
        }
        if (driver != null && driver.equals("postgres")) {
            try (Connection c = connect("postgres")) {
                c.createStatement().execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            } catch (SQLException e) {
                System.out.println("multinode: could not drop " + DB + ": " + e.getMessage());
            }
        }
        if (redisPrefix != null) {
            RedisTestSupport.deleteKeys(redisPrefix);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "redis"})
    void sagasFinishExactlyOnceAcrossNodesWhileOneIsKilledAndOneIsPaused(String driver) throws Exception {
        this.driver = driver;
        Map<String, String> env = new HashMap<>(Map.of(
                "STORE_MAX_OPEN_CONNS", "16",
                "RETRY_INTERVAL", "2",
                "MAX_RETRY_INTERVAL", "2",
                "TRANS_CRON_INTERVAL", "1",
                "LOG_LEVEL", "info"));
        env.putAll(driver.equals("postgres") ? postgres() : redis());
        startBusinessService();
        for (int i = 0; i < 3; i++) {
            nodes.add(new ServerProcess(tmp.resolve("node" + i), env).start());
        }
        ServerConfig settings = nodes.get(0).config(); // the same on every node
        // a submit is one store write: well within a second on an idle machine
        Duration submitTimeout = ServerProcess.budget(Duration.ofSeconds(1));
        // each submit ends within its timeout, so the acknowledged count grows within two of them
        Duration submitStall = submitTimeout.multipliedBy(2);

        HttpClient http = HttpClient.newBuilder().connectTimeout(submitTimeout).build();
        String busiUrl = "http://127.0.0.1:" + busi.getAddress().getPort() + "/busi/";
        AtomicInteger submitted = new AtomicInteger();
        // faults are injected by progress: node 0 dies after a third of the sagas, node 1 freezes for
        // three of its leases (RetryInterval) after half of them
        var faults = new FutureTask<Void>(() -> {
            awaitSteadily("acknowledged sagas", submitted::get, () -> SAGAS / 3, submitStall, SUBMIT_POLL);
            nodes.get(0).kill();
            awaitSteadily("acknowledged sagas", submitted::get, () -> SAGAS / 2, submitStall, SUBMIT_POLL);
            nodes.get(1).pause();
            Thread.sleep(Duration.ofSeconds(3 * settings.retryInterval())); // fault injection, not a wait for a result
            nodes.get(1).resume();
            return null;
        });
        Thread.ofPlatform().start(faults);
        try (var pool = Executors.newFixedThreadPool(16)) {
            for (int n = 0; n < SAGAS; n++) {
                int k = n;
                pool.execute(() -> {
                    ServerProcess node = nodes.get(k % 3);
                    String body = """
                            {"gid":"mn-%d","trans_type":"saga","steps":[
                              {"action":"%sTransOut","compensate":"%sTransOutRevert"},
                              {"action":"%sTransIn","compensate":"%sTransInRevert"}],
                             "payloads":["{}","{}"]}""".formatted(k, busiUrl, busiUrl, busiUrl, busiUrl);
                    try {
                        var r = http.send(
                                HttpRequest.newBuilder(URI.create(node.dtm() + "/submit"))
                                        .timeout(submitTimeout)
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            submitted.incrementAndGet();
                        }
                    } catch (IOException e) {
                        // a killed or frozen node: the saga may or may not be stored, and is not counted
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
        faults.get(); // a fault that could not be injected fails the test, rather than leaving it out

        // no limit on the whole, which grows with the machine's load, but one on each step: a saga
        // finishes at the latest in its next round, unless the engine hangs
        Duration finishStall = ServerProcess.budget(nodes.get(1).nextRound(1));
        awaitSteadily(
                "finished sagas",
                () -> globals().stream().filter(g -> g.status().isFinished()).count(),
                () -> globals().size(),
                finishStall,
                Duration.ofSeconds(1));

        List<GlobalTrans> globals = globals();
        int total = globals.size();
        long succeeded =
                globals.stream().filter(g -> g.status() == TransStatus.SUCCEED).count();
        System.out.printf(
                "multinode (%s): %d submitted (acknowledged), %d stored, %d succeeded, %d duplicate calls%n",
                driver, submitted.get(), total, succeeded, duplicates.get());
        assertThat(total).isGreaterThanOrEqualTo(submitted.get());
        assertThat(succeeded).isEqualTo(total);
        assertThat(compensations.get()).isZero();
        long actionRows = globals.stream()
                .flatMap(g -> store.findBranches(g.gid()).stream())
                .filter(b -> b.op().equals("action") && b.status() == TransStatus.SUCCEED)
                .count();
        assertThat(actionRows).isEqualTo(2L * total);
        for (String key : effects.keySet()) {
            assertThat(effects.get(key)).as(key).isEqualTo(1);
        }
        assertThat(effects).hasSize(2 * total);
        String pausedLog = nodes.get(1).output();
        long fenced = pausedLog
                .lines()
                .filter(l -> l.contains("another round has claimed"))
                .count();
        System.out.printf("multinode (%s): the paused node had %d rounds stopped by fencing%n", driver, fenced);
    }

    /**
     * Waits until {@code progress} reaches {@code target}, with a limit of {@code stall} on each step
     * forward rather than on the whole: a slow machine makes it slower, a hang makes it fail.
     */
    private static void awaitSteadily(
            String what, LongSupplier progress, LongSupplier target, Duration stall, Duration poll) {
        long reached;
        while ((reached = progress.getAsLong()) < target.getAsLong()) {
            long before = reached;
            Awaitility.await(what + " beyond " + before + " within " + stall)
                    .atMost(stall)
                    .pollInterval(poll)
                    .until(() -> progress.getAsLong() > before || progress.getAsLong() >= target.getAsLong());
        }
    }

    private List<GlobalTrans> globals() {
        List<GlobalTrans> all = new ArrayList<>();
        String position = "";
        do {
            Page<GlobalTrans> page = store.scanGlobals(position, 1000, GlobalFilter.ALL);
            all.addAll(page.items());
            position = page.nextPosition();
        } while (!position.isEmpty());
        return all;
    }

    /** A fresh database; the servers create dtm's tables in it. */
    private Map<String, String> postgres() {
        try (Connection c = connect("postgres")) {
            c.createStatement().execute("DROP DATABASE IF EXISTS " + DB + " WITH (FORCE)");
            c.createStatement().execute("CREATE DATABASE " + DB);
        } catch (SQLException e) {
            Assumptions.abort("PostgreSQL at " + PG_HOST + ":" + PG_PORT + " is not reachable: " + e.getMessage());
        }
        var config = new StoreConfig(
                "postgres",
                PG_HOST,
                PG_PORT,
                PG_USER,
                PG_PASSWORD,
                DB,
                "public",
                4,
                2,
                5,
                604800,
                86400,
                "{a}",
                Path.of("unused"),
                0);
        store = JdbcStore.open(config);
        return Map.of(
                "STORE_DRIVER",
                "postgres",
                "STORE_HOST",
                PG_HOST,
                "STORE_PORT",
                String.valueOf(PG_PORT),
                "STORE_USER",
                PG_USER,
                "STORE_PASSWORD",
                PG_PASSWORD,
                "STORE_DB",
                DB);
    }

    /** A fresh key prefix on the test Redis (without persistence: only the node processes fail here). */
    private Map<String, String> redis() {
        RedisTestSupport.assumeReachable();
        redisPrefix = RedisTestSupport.freshPrefix();
        store = RedisStore.open(new RedisStore.Config(
                RedisTestSupport.host(), RedisTestSupport.port(), "", "", redisPrefix, Duration.ofDays(1)));
        return Map.of(
                "STORE_DRIVER",
                "redis",
                "STORE_HOST",
                RedisTestSupport.host(),
                "STORE_PORT",
                String.valueOf(RedisTestSupport.port()),
                "STORE_REDIS_PREFIX",
                redisPrefix);
    }

    /** Answers 500 at random (a third of the time), else applies the effect once per (gid, branch, op). */
    private void startBusinessService() throws IOException {
        busi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        busi.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        busi.createContext("/busi/", ex -> {
            ex.getRequestBody().readAllBytes();
            Map<String, String> q = QueryString.parse(ex.getRequestURI().getRawQuery());
            String endpoint = ex.getRequestURI().getPath().substring("/busi/".length());
            int status;
            if (endpoint.endsWith("Revert")) {
                compensations.incrementAndGet();
                status = 200;
            } else if (ThreadLocalRandom.current().nextInt(3) == 0) {
                status = 500;
            } else {
                String key = q.get("gid") + "/" + q.get("branch_id") + "/" + q.get("op");
                if (effects.putIfAbsent(key, 1) != null) {
                    duplicates.incrementAndGet(); // the barrier would skip it: no second effect
                }
                status = 200;
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        busi.start();
    }

    private static Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://" + PG_HOST + ":" + PG_PORT + "/" + db, PG_USER, PG_PASSWORD);
    }
}
