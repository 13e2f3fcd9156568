package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import io.dtm4j.client.barrier.BarrierSchema;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.client.barrier.RedisBarrier;
import io.dtm4j.protocol.Ops;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.dtm4j.server.testing.QueryString;
import io.dtm4j.server.testing.RedisTestSupport;
import io.dtm4j.server.testing.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SDK's two-phase message against the real server (docs/protocol.md §8.3, §19.2): plain
 * prepare/submit, delay, topics, abort and the server's check-back; and doAndSubmit with its
 * barrier on SQLite and PostgreSQL (and Redis), where a small RM in this test answers the
 * check-back and credits the receiving account.
 */
class MsgTest {
    private static final long EXPIRE = 600;
    private static TestServer server;
    private static BusinessStub busi;
    private static DtmClient dtm;
    private static BarrierRm rm;
    private static Path sqliteFile;
    private static final String PG_SCHEMA = JdbcTestDatabases.freshNamespace();
    private static final Map<Db, DataSource> databases = new LinkedHashMap<>();
    private static RedisClient redisClient;
    private static StatefulRedisConnection<String, String> redisConnection;
    private static final String REDIS_PREFIX = RedisTestSupport.freshPrefix();

    /** The databases the doAndSubmit tests run on. */
    enum Db {
        SQLITE,
        POSTGRES
    }

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer();
        busi = new BusinessStub();
        dtm = DtmClient.of(server.dtm());
        rm = new BarrierRm();

        sqliteFile = Files.createTempFile("dtm4j-msg", ".db");
        var sqlite = new org.sqlite.SQLiteDataSource();
        sqlite.setUrl("jdbc:sqlite:" + sqliteFile);
        // the zero-set-up path: the default table, created in the business database file
        BarrierSchema.create(sqlite);
        createBalanceTable(sqlite, "balance");
        databases.put(Db.SQLITE, sqlite);

        if (JdbcTestDatabases.unavailable("postgres").isEmpty()) {
            HikariDataSource pg = JdbcTestDatabases.pool("postgres", 4);
            BarrierSchema.create(pg);
            execute(pg, "CREATE SCHEMA " + PG_SCHEMA);
            createBalanceTable(pg, PG_SCHEMA + ".balance");
            databases.put(Db.POSTGRES, pg);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        rm.close();
        busi.close();
        server.close();
        if (databases.get(Db.POSTGRES) instanceof HikariDataSource pg) {
            execute(pg, "DROP SCHEMA IF EXISTS " + PG_SCHEMA + " CASCADE");
            pg.close();
        }
        Files.deleteIfExists(sqliteFile);
        if (redisClient != null) {
            RedisTestSupport.deleteKeys(REDIS_PREFIX);
            redisConnection.close();
            redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    // ---- plain messages ----

    @Test
    void preparedThenSubmittedMessageRunsItsSteps() {
        String gid = dtm.newGid();
        Msg msg = dtm.msg(gid)
                .add(busi.url("TransOut"), Map.of("amount", 30))
                .add(busi.url("TransIn"), Map.of("amount", 30));

        msg.prepare(busi.url("QueryPrepared"));
        assertThat(server.status(gid)).isEqualTo("prepared");
        msg.waitResult(true).submit();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
    }

    @Test
    void delayedMessageWaitsBeforeItsSteps() {
        String gid = "client-msg-delay-" + System.nanoTime();

        dtm.msg(gid)
                .add(busi.url("TransOut"), "{}")
                .add(busi.url("TransIn"), "{}")
                .delay(10)
                .submit();

        server.cron(Duration.ZERO);
        assertThat(server.status(gid)).isEqualTo("submitted");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "P");
        assertThat(busi.calls(gid)).isEmpty();
        assertThat(server.transaction(gid).path("custom_data").asText()).isEqualTo("{\"delay\":10}");

        server.clock.advance(Duration.ofSeconds(12));
        server.cron(Duration.ZERO);
        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S");
    }

    @Test
    void topicStepCallsEverySubscriber() {
        String gid = "client-msg-topic-" + System.nanoTime();
        String topic = "client_topic_" + System.nanoTime();
        subscribe(topic, busi.url("TransOut"));
        subscribe(topic, busi.url("TransIn"));

        dtm.msg(gid).addTopic(topic, Map.of("amount", 30)).waitResult(true).submit();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactlyInAnyOrder("TransOut action", "TransIn action");
    }

    @Test
    void unknownTopicIsRefused() {
        String gid = "client-msg-no-topic-" + System.nanoTime();

        assertThatThrownBy(() -> dtm.msg(gid).addTopic("no_such_topic", "{}").submit())
                .isInstanceOf(DtmException.class)
                .hasMessageContaining("topic not found");
    }

    @Test
    void abortedPreparedMessageNeverRunsItsSteps() {
        String gid = "client-msg-abort-" + System.nanoTime();
        Msg msg = dtm.msg(gid).add(busi.url("TransIn"), "{}");

        msg.prepare(busi.url("QueryPrepared"));
        msg.abort();

        assertThat(server.status(gid)).isEqualTo("failed");
        server.clock.advance(Duration.ofSeconds(60));
        server.cron();
        assertThat(busi.calls(gid)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void timedOutMessageWhoseLocalTransactionCommittedIsCheckedBackAndSubmitted(Db db) {
        Accounts a = Accounts.open(db);
        String gid = "client-msg-checkback-ok-" + db + System.nanoTime();
        dtm.msg(gid).add(rm.url(db, "TransIn"), a.credit(30)).prepare(rm.url(db, "QueryPrepared"));
        // the application commits its local transaction and dies before submit
        BranchBarrier.of(msgBarrier(gid)).callWithDb(a.db(), tx -> add(tx, a.table(), a.from(), -30));

        server.clock.advance(Duration.ofSeconds(60));
        server.cron();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(a.balances()).containsExactly(70L, 30L);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void timedOutMessageWithoutLocalTransactionIsCheckedBackAndFails(Db db) {
        Accounts a = Accounts.open(db);
        String gid = "client-msg-checkback-failed-" + db + System.nanoTime();
        dtm.msg(gid).add(rm.url(db, "TransIn"), a.credit(30)).prepare(rm.url(db, "QueryPrepared"));

        server.clock.advance(Duration.ofSeconds(60));
        server.cron();

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(server.branchStatuses(gid)).containsExactly("P");
        // the local transaction that comes too late must not run
        assertThatThrownBy(() ->
                        BranchBarrier.of(msgBarrier(gid)).callWithDb(a.db(), tx -> add(tx, a.table(), a.from(), -30)))
                .isInstanceOf(DtmDuplicatedException.class);
        assertThat(a.balances()).containsExactly(100L, 0L);
    }

    // ---- doAndSubmit ----

    @ParameterizedTest
    @EnumSource(Db.class)
    void doAndSubmitCommitsTheLocalTransactionAndTheMessage(Db db) {
        Accounts a = Accounts.open(db);
        String gid = dtm.newGid();

        dtm.msg(gid)
                .add(rm.url(db, "TransIn"), a.credit(30))
                .waitResult(true)
                .doAndSubmitDb(rm.url(db, "QueryPrepared"), a.db(), tx -> add(tx, a.table(), a.from(), -30));

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("S");
        assertThat(a.balances()).containsExactly(70L, 30L);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void doAndSubmitWhoseBusinessFailsAbortsTheMessage(Db db) {
        Accounts a = Accounts.open(db);
        String gid = "client-msg-busi-failed-" + db + System.nanoTime();

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(rm.url(db, "TransIn"), a.credit(300))
                        .doAndSubmitDb(rm.url(db, "QueryPrepared"), a.db(), tx -> add(tx, a.table(), a.from(), -300)))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("insufficient balance");

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(a.balances()).containsExactly(100L, 0L);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void doAndSubmitWhoseBusinessErrsAsksTheCheckBackWhichRollsBack(Db db) {
        Accounts a = Accounts.open(db);
        String gid = "client-msg-busi-error-" + db + System.nanoTime();
        IllegalStateException bug = new IllegalStateException("bug after the update");

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(rm.url(db, "TransIn"), a.credit(30))
                        .doAndSubmitDb(rm.url(db, "QueryPrepared"), a.db(), tx -> {
                            add(tx, a.table(), a.from(), -30);
                            throw bug;
                        }))
                .isSameAs(bug);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(a.balances()).containsExactly(100L, 0L);
        assertThat(rm.checkBacks(gid)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void doAndSubmitAfterTheCheckBackIsDuplicatedAndChangesNothing(Db db) {
        Accounts a = Accounts.open(db);
        String gid = "client-msg-busi-later-" + db + System.nanoTime();
        // the server's check-back got there first and decided "rolled back"
        assertThatThrownBy(() -> dtm.checkBack(rm.url(db, "QueryPrepared"), msgBarrier(gid)))
                .isInstanceOf(DtmFailureException.class);

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(rm.url(db, "TransIn"), a.credit(30))
                        .doAndSubmitDb(rm.url(db, "QueryPrepared"), a.db(), tx -> add(tx, a.table(), a.from(), -30)))
                .isInstanceOf(DtmDuplicatedException.class);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(a.balances()).containsExactly(100L, 0L);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void doAndSubmitWhosePrepareFailsNeverRunsTheLocalTransaction(Db db) {
        Accounts a = Accounts.open(db);
        DtmClient nowhere = DtmClient.of("http://127.0.0.1:1/api/dtmsvr");

        assertThatThrownBy(() -> nowhere.msg("client-msg-prepare-failed-" + System.nanoTime())
                        .add(rm.url(db, "TransIn"), a.credit(30))
                        .doAndSubmitDb(rm.url(db, "QueryPrepared"), a.db(), tx -> add(tx, a.table(), a.from(), -30)))
                .isExactlyInstanceOf(DtmException.class)
                .hasMessageContaining("/prepare failed");

        assertThat(a.balances()).containsExactly(100L, 0L);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void doAndSubmitWhoseCommitReportsAnErrorLetsTheCheckBackSubmit(Db db) {
        Accounts a = Accounts.open(db);
        String gid = "client-msg-commit-error-" + db + System.nanoTime();
        DtmException lost = new DtmException("connection reset while committing");

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(rm.url(db, "TransIn"), a.credit(30))
                        .waitResult(true)
                        .doAndSubmit(rm.url(db, "QueryPrepared"), barrier -> {
                            barrier.callWithDb(a.db(), tx -> add(tx, a.table(), a.from(), -30));
                            throw lost;
                        }))
                .isSameAs(lost);

        assertThat(rm.checkBacks(gid)).isEqualTo(1);
        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(a.balances()).containsExactly(70L, 30L);
    }

    @Test
    void doAndSubmitLeavesTheMessagePreparedWhenTheCheckBackCannotAnswer() {
        Accounts a = Accounts.open(Db.SQLITE);
        String gid = "client-msg-checkback-down-" + System.nanoTime();
        busi.alwaysFor(gid, "QueryPrepared", Reply.ERROR);
        DtmException lost = new DtmException("connection reset while committing");

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(rm.url(Db.SQLITE, "TransIn"), a.credit(30))
                        .doAndSubmit(busi.url("QueryPrepared"), barrier -> {
                            barrier.callWithDb(a.db(), tx -> add(tx, a.table(), a.from(), -30));
                            throw lost;
                        }))
                .isSameAs(lost)
                .satisfies(e ->
                        assertThat(e.getSuppressed()).singleElement().asString().contains("500"));

        assertThat(server.status(gid)).isEqualTo("prepared");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg");
        assertThat(busi.calls(gid).get(0).method()).isEqualTo("GET");
        assertThat(busi.calls(gid).get(0).query())
                .containsEntry("dtm", server.dtm())
                .containsEntry("branch_id", "00")
                .containsEntry("trans_type", "msg");
    }

    @Test
    void doAndSubmitWithTheRedisBarrier() {
        RedisCommands<String, String> redis = redis();
        String gid = "client-msg-redis-" + System.nanoTime();
        String from = REDIS_PREFIX + "from-" + gid;
        redis.set(from, "100");

        dtm.msg(gid)
                .add(busi.url("TransIn"), "{}")
                .waitResult(true)
                .doAndSubmit(
                        rm.redisUrl(from),
                        barrier -> RedisBarrier.of(barrier.branch()).checkAdjustAmount(redis, from, -30, EXPIRE));

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(redis.get(from)).isEqualTo("70");
    }

    @Test
    void doAndSubmitWithTheRedisBarrierAfterTheCheckBackIsDuplicated() {
        RedisCommands<String, String> redis = redis();
        String gid = "client-msg-redis-later-" + System.nanoTime();
        String from = REDIS_PREFIX + "from-" + gid;
        redis.set(from, "100");
        assertThatThrownBy(() -> dtm.checkBack(rm.redisUrl(from), msgBarrier(gid)))
                .isInstanceOf(DtmFailureException.class);

        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(busi.url("TransIn"), "{}")
                        .doAndSubmit(
                                rm.redisUrl(from),
                                barrier ->
                                        RedisBarrier.of(barrier.branch()).checkAdjustAmount(redis, from, -30, EXPIRE)))
                .isInstanceOf(DtmDuplicatedException.class);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(redis.get(from)).isEqualTo("100");
    }

    // ---- helpers ----

    private static BranchIdentity msgBarrier(String gid) {
        return new BranchIdentity(Ops.MSG, gid, Ops.RESERVED_BRANCH_ID, Ops.MSG);
    }

    private static void subscribe(String topic, String url) {
        var r = server.get("/api/dtmsvr/subscribe?topic=" + topic + "&url="
                + URLEncoder.encode(url, StandardCharsets.UTF_8) + "&remark=test");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private static synchronized RedisCommands<String, String> redis() {
        RedisTestSupport.assumeReachable();
        if (redisClient == null) {
            redisClient = RedisTestSupport.client();
            redisConnection = redisClient.connect();
        }
        return redisConnection.sync();
    }

    /** Two fresh accounts of {@code db}: {@code from} holds 100, {@code to} 0. */
    private record Accounts(Db which, String from, String to) {
        static Accounts open(Db db) {
            Assumptions.assumeTrue(databases.containsKey(db), db + " is not available");
            long n = System.nanoTime();
            Accounts a = new Accounts(db, "from-" + n, "to-" + n);
            try (Connection c = a.db().getConnection();
                    PreparedStatement ps =
                            c.prepareStatement("INSERT INTO " + a.table() + " (account, amount) VALUES (?, ?)")) {
                for (var account : Map.of(a.from, 100L, a.to, 0L).entrySet()) {
                    ps.setString(1, account.getKey());
                    ps.setLong(2, account.getValue());
                    ps.executeUpdate();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return a;
        }

        DataSource db() {
            return databases.get(which);
        }

        String table() {
            return tableOf(which);
        }

        /** The payload of a TransIn step crediting {@code to}. */
        Map<String, Object> credit(long amount) {
            return Map.of("account", to, "amount", amount);
        }

        /** The balances of {@code from} and {@code to}. */
        java.util.List<Long> balances() {
            return java.util.List.of(balance(from), balance(to));
        }

        private long balance(String account) {
            try (Connection c = db().getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT amount FROM " + table() + " WHERE account = ?")) {
                ps.setString(1, account);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String tableOf(Db db) {
        return db == Db.POSTGRES ? PG_SCHEMA + ".balance" : "balance";
    }

    /** The business: refuses (FAILURE) a missing account or a balance that would go below zero. */
    private static void add(Connection tx, String table, String account, long amount) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE " + table + " SET amount = amount + ? WHERE account = ? AND amount + ? >= 0")) {
            ps.setLong(1, amount);
            ps.setString(2, account);
            ps.setLong(3, amount);
            if (ps.executeUpdate() == 0) {
                throw new DtmFailureException("account " + account + ": insufficient balance for " + amount);
            }
        }
    }

    private static void createBalanceTable(DataSource db, String table) throws SQLException {
        execute(db, "CREATE TABLE " + table + " (account varchar(64) PRIMARY KEY, amount bigint NOT NULL)");
    }

    private static void execute(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /**
     * The resource manager of these tests: per database, {@code QueryPrepared} answers the check-back
     * with {@link BranchBarrier#queryPrepared} and {@code TransIn} credits an account behind the
     * barrier; {@code /redis/QueryPrepared?key=} answers with {@link RedisBarrier#queryPrepared}.
     */
    private static final class BarrierRm implements AutoCloseable {
        private final HttpServer http;
        private final Map<String, Integer> checkBacks = new java.util.concurrent.ConcurrentHashMap<>();

        BarrierRm() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            http.createContext("/", this::handle);
            http.start();
        }

        String url(Db db, String endpoint) {
            return "http://127.0.0.1:" + http.getAddress().getPort() + "/"
                    + db.name().toLowerCase() + "/" + endpoint;
        }

        String redisUrl(String key) {
            return "http://127.0.0.1:" + http.getAddress().getPort() + "/redis/QueryPrepared?key="
                    + URLEncoder.encode(key, StandardCharsets.UTF_8);
        }

        int checkBacks(String gid) {
            return checkBacks.getOrDefault(gid, 0);
        }

        private void handle(HttpExchange ex) throws IOException {
            Map<String, String> query = QueryString.parse(ex.getRequestURI().getRawQuery());
            String[] path = ex.getRequestURI().getPath().split("/");
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Throwable error = null;
            try {
                serve(path[1], path[2], query, body);
            } catch (Exception e) {
                error = e;
            }
            byte[] answer = HttpResults.bodyFor(error).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(HttpResults.statusFor(error), answer.length);
            try (var out = ex.getResponseBody()) {
                out.write(answer);
            }
        }

        private void serve(String where, String endpoint, Map<String, String> query, String body) {
            if (where.equals("redis")) {
                RedisBarrier.queryPrepared(redis(), query.get("gid"), query.get("key"), EXPIRE);
                return;
            }
            Db db = Db.valueOf(where.toUpperCase());
            DataSource ds = databases.get(db);
            switch (endpoint) {
                case "QueryPrepared" -> {
                    checkBacks.merge(query.get("gid"), 1, Integer::sum);
                    BranchBarrier.queryPrepared(ds, query.get("gid"));
                }
                case "TransIn" -> {
                    var payload = server.parse(body);
                    BranchBarrier.fromQuery(query)
                            .callWithDb(
                                    ds,
                                    tx -> add(
                                            tx,
                                            tableOf(db),
                                            payload.path("account").asText(),
                                            payload.path("amount").asLong()));
                }
                default -> throw new IllegalArgumentException("no endpoint " + endpoint);
            }
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }
}
