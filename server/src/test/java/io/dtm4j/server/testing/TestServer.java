package io.dtm4j.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.Dtm4jServer;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.engine.Tracing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The real server on a free port over real HTTP, with an embedded store in a temporary directory
 * (or a SQL store, see {@link #STORE_PROPERTY}) and a clock that only tests move. The recovery loop does not run; {@link #cron} runs it once.
 */
public final class TestServer implements AutoCloseable {
    /** Look-ahead of {@link #cron()}: claims what is due within this, as dtm's test-suite does. */
    public static final Duration DEFAULT_HORIZON = Duration.ofSeconds(180);

    public final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    public final ObjectMapper json = Dtm4jServer.jsonMapper();
    /**
     * System property choosing the store of every test server: embedded, postgres, mysql, redis or
     * redis-cluster (a cluster the tests start, {@link RedisClusterProcess}).
     */
    public static final String STORE_PROPERTY = "dtm4j.test.store";

    private final Path dataDir;
    /** A SQL schema or database made for this server, dropped on close; null for other stores. */
    private final ServerConfig.StoreConfig dropOnClose;
    /** The key prefix of this server's Redis keys, deleted on close; null for other stores. */
    private String redisPrefix;
    /** The cluster holding {@link #redisPrefix}, or null for the single Redis of the tests. */
    private RedisClusterProcess redisCluster;

    private final Dtm4jServer server;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TestServer() {
        this(c -> c);
    }

    public TestServer(UnaryOperator<ServerConfig> tweak) {
        this(null, tweak);
    }

    /**
     * A server on {@code store}; null picks the store named by the system property {@value
     * #STORE_PROPERTY} ({@code embedded}, the default, {@code postgres} or {@code mysql}; a SQL store
     * gets a fresh schema or database, dropped by {@link #close}).
     */
    public TestServer(ServerConfig.StoreConfig store, UnaryOperator<ServerConfig> tweak) {
        this(store, tweak, Tracing.OFF);
    }

    /** A server whose spans go to {@code tracing} (e.g. the OpenTelemetry SDK's in-memory exporter). */
    public TestServer(ServerConfig.StoreConfig store, UnaryOperator<ServerConfig> tweak, Tracing tracing) {
        try {
            dataDir = Files.createTempDirectory("dtm4j-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String choice = storeChoice();
        if (store == null && JdbcTestDatabases.isSql(choice)) {
            store = JdbcTestDatabases.config(choice, JdbcTestDatabases.freshNamespace(), 8);
            dropOnClose = store;
        } else {
            dropOnClose = null;
        }
        String redisHost = null;
        int redisPort = 0;
        if (store == null && choice.equals("redis")) {
            RedisTestSupport.assumeReachable();
            redisPrefix = RedisTestSupport.freshPrefix();
            redisHost = RedisTestSupport.host();
            redisPort = RedisTestSupport.port();
        } else if (store == null && choice.equals("redis-cluster")) {
            // one master that does not serve the prefix's slot: the server must find the right one
            redisCluster = RedisClusterProcess.shared();
            redisPrefix = RedisTestSupport.freshPrefix();
            redisHost = "127.0.0.1";
            redisPort = redisCluster.otherMaster(redisPrefix);
        }
        if (redisHost != null) {
            store = new ServerConfig.StoreConfig(
                    "redis",
                    redisHost,
                    redisPort,
                    "",
                    "",
                    "dtm",
                    "public",
                    1,
                    1,
                    5,
                    604800,
                    86400,
                    redisPrefix,
                    dataDir,
                    0);
        }
        if (store == null) {
            store = new ServerConfig.StoreConfig(
                    "embedded", "", 0, "", "", "dtm", "public", 1, 1, 5, 604800, 86400, "{a}", dataDir, 0);
        }
        ServerConfig.StoreConfig chosen = store;
        ServerConfig config = ServerConfig.defaults()
                .with(
                        c -> { // free ports, the chosen store
                            c.httpPort = 0;
                            c.grpcPort = 0;
                            c.store = chosen;
                            c.logLevel = "info";
                        });
        try {
            server = Dtm4jServer.start(tweak.apply(config), clock, false, tracing);
        } catch (RuntimeException e) {
            dropStore(); // a test expecting the start to fail has no server to close
            throw e;
        }
    }

    /** The store the tests run on: the system property {@value #STORE_PROPERTY}, default {@code embedded}. */
    public static String storeChoice() {
        return System.getProperty(STORE_PROPERTY, "embedded").trim().toLowerCase(java.util.Locale.ROOT);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    /** Returns the SDK form of the server address, {@code http://127.0.0.1:port/api/dtmsvr}. */
    public String dtm() {
        return baseUrl() + "/api/dtmsvr";
    }

    /** An HTTP response as a test sees it. */
    public record Response(int status, String body, String contentType) {}

    public Response post(String path, Object body) {
        try {
            String text = body instanceof String s ? s : json.writeValueAsString(body);
            return send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(text)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Response get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + pathAndQuery)).GET());
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r =
                    http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(
                    r.statusCode(),
                    r.body(),
                    r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Returns the {@code query} answer for {@code gid}. */
    public JsonNode query(String gid) {
        Response r = get("/api/dtmsvr/query?gid=" + gid);
        if (r.status() != 200) {
            throw new AssertionError("query failed: " + r);
        }
        return parse(r.body());
    }

    /** Returns the stored global transaction of {@code gid} (a JSON null node when unknown). */
    public JsonNode transaction(String gid) {
        return query(gid).path("transaction");
    }

    /** Returns the rollback_reason of {@code gid}, "" when none. */
    public String rollbackReason(String gid) {
        return transaction(gid).path("rollback_reason").asText();
    }

    /** Returns the next_cron_interval of {@code gid} in seconds. */
    public long nextCronInterval(String gid) {
        return transaction(gid).path("next_cron_interval").asLong();
    }

    public String status(String gid) {
        return query(gid).path("transaction").path("status").asText();
    }

    /** Returns branch row statuses in storage order as letters, e.g. {@code [P, S, P, S]}. */
    public List<String> branchStatuses(String gid) {
        List<String> result = new ArrayList<>();
        for (JsonNode b : query(gid).path("branches")) {
            result.add(
                    switch (b.path("status").asText()) {
                        case "prepared" -> "P";
                        case "succeed" -> "S";
                        case "failed" -> "F";
                        default -> "?" + b.path("status").asText();
                    });
        }
        return result;
    }

    /**
     * Lets another node take {@code gid} while this node's round runs: the clock passes the round's
     * lease, {@code owner} claims the transaction through the store, and this returns once the
     * fenced round has stopped.
     */
    public void loseClaimTo(String owner, String gid) {
        clock.advanceSeconds(60);
        Instant now = clock.instant();
        if (server.store().claimDue(now, now.plusSeconds(10), owner, 10, now).stream()
                .noneMatch(g -> g.gid().equals(gid))) {
            throw new AssertionError(owner + " could not claim " + gid);
        }
        org.awaitility.Awaitility.await("the fenced round stops")
                .atMost(Duration.ofSeconds(30))
                .until(() -> server.engine().activeRounds() == 0);
    }

    /** Runs the scheduler once with the default look-ahead; returns how many it processed. */
    public int cron() {
        return cron(DEFAULT_HORIZON);
    }

    public int cron(Duration horizon) {
        // as dtm's suite does, run the scheduler once the rounds the API started are over: the claim
        // leaves a transaction in flight here alone, so it would not be processed by this call
        org.awaitility.Awaitility.await("rounds started by the API are over")
                .atMost(Duration.ofSeconds(30))
                .until(() -> server.engine().activeRounds() == 0);
        return server.scheduler().runOnce(horizon);
    }

    public JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Dtm4jServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        dropStore();
    }

    private void dropStore() {
        if (dropOnClose != null) {
            JdbcTestDatabases.drop(dropOnClose);
        }
        if (redisPrefix != null && redisCluster != null) {
            redisCluster.deleteKeys(redisPrefix);
        } else if (redisPrefix != null) {
            RedisTestSupport.deleteKeys(redisPrefix);
        }
    }
}
