package io.dtm4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dtm4j.server.testing.CallLog;
import io.dtm4j.server.testing.QueryString;
import io.dtm4j.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pub.dtm.client.DtmClient;
import pub.dtm.client.barrier.BranchBarrier;
import pub.dtm.client.exception.FailureException;
import pub.dtm.client.saga.Saga;

/**
 * dtmcli-java's {@link BranchBarrier} on MariaDB behind saga branches driven by the real server:
 * docs/protocol.md §12 and §19.1 (TestSagaBarrier*). The business service runs its SQL inside the
 * barrier's local transaction, on {@code dtm_busi.user_account}. Skipped when MariaDB is not
 * reachable.
 *
 * <p>dtmcli-java 2.1.5 implements an older barrier than docs/protocol.md §12.3 (§21): it inserts
 * the current op, and only for {@code cancel} also the origin op {@code try}. A saga {@code
 * compensate} therefore never counts as a null compensation, and the server compensates the failed
 * step too (docs/protocol.md §8.2 step 7, §20.22, exactly as dtm does). The tests show both the
 * consequence and the guard a dtmcli-java business needs.
 */
class BarrierInteropTest {
    /** MariaDB/MySQL as host:port; root without password, as on the project's machines. */
    private static final String DB = System.getProperty("interop.mariadb", "127.0.0.1:3306");

    private static final String DB_USER = System.getProperty("interop.mariadb.user", "root");
    private static final String DB_PASSWORD = System.getProperty("interop.mariadb.password", "");
    private static final BigDecimal START = new BigDecimal("100.00");

    private static TestServer server;
    private static HttpServer busi;
    private static DtmClient dtm;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** gid and "endpoint op ran|skipped" of each call, in arrival order. */
    private static final CallLog<Map.Entry<String, String>> log = new CallLog<>(Map.Entry::getKey, Map.Entry::getValue);
    /** gids whose TransOutRevert already answered its one scripted error. */
    private static final Set<String> erred = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = connect("")) {
            run(c, "/sql/dtmcli.barrier.mysql.sql");
            run(c, "/sql/busi.mysql.sql");
        } catch (SQLException e) {
            String reason = "MariaDB not reachable at " + DB + " (" + e.getMessage() + "): barrier tests skipped";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        server = new TestServer();
        busi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        busi.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        busi.createContext("/api/busi/", BarrierInteropTest::handle);
        busi.start();
        dtm = OfficialClient.connect(server);
    }

    @AfterAll
    static void stop() {
        if (busi != null) {
            busi.stop(0);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void sagaThatSucceedsMovesTheMoney() throws Exception {
        Transfer t = Transfer.create(false, false, false);

        String gid = saga(t).submit();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(balance(t.outUser())).isEqualByComparingTo("70");
        assertThat(balance(t.inUser())).isEqualByComparingTo("130");
        assertThat(barrierRows(gid)).containsExactly("01 action 01 action", "02 action 01 action");
    }

    @Test
    void sagaRollbackThroughTheBarrierRestoresTheBalances() throws Exception {
        // TransIn fails inside the barrier (its update and barrier row roll back); TransOutRevert
        // commits, then answers 500 once, so the server calls it again on the next cron round
        Transfer t = Transfer.create(true, true, true);
        Saga saga = saga(t);

        assertThatThrownBy(saga::submit).isInstanceOf(FailureException.class);
        String gid = saga.getGid();
        assertThat(server.status(gid)).isEqualTo("aborting");
        assertThat(server.cron()).isEqualTo(1);

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(server.rollbackReason(gid)).contains("Insufficient balance");
        assertThat(log.trail(gid))
                .containsExactly(
                        "TransOut action ran",
                        "TransIn action ran", // and rolled back
                        "TransInRevert compensate ran", // guarded: no action row, so no update
                        "TransOutRevert compensate ran",
                        "TransOutRevert compensate skipped"); // the retry: barrier row exists
        assertThat(balance(t.outUser())).isEqualByComparingTo(START);
        assertThat(balance(t.inUser())).isEqualByComparingTo(START);
        assertThat(barrierRows(gid))
                .containsExactlyInAnyOrder(
                        "01 action 01 action", "02 compensate 01 compensate", "01 compensate 01 compensate");
    }

    @Test
    void withoutAGuardTheFailedStepIsCompensatedForReal() throws Exception {
        // the plain dtmcli-java pattern: every handler's SQL inside barrier.call, nothing more
        Transfer t = Transfer.create(true, false, false);
        Saga saga = saga(t);

        assertThatThrownBy(saga::submit).isInstanceOf(FailureException.class);
        String gid = saga.getGid();

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(balance(t.outUser())).isEqualByComparingTo(START);
        // TransIn never committed, yet its compensation took the amount away: Go's barrier
        // (docs/protocol.md §12.3) would have inserted the origin row (02, action) and skipped it
        // as a null compensation
        assertThat(balance(t.inUser())).isEqualByComparingTo("70");
        assertThat(barrierRows(gid))
                .containsExactlyInAnyOrder(
                        "01 action 01 action", "02 compensate 01 compensate", "01 compensate 01 compensate");
    }

    /** One transfer of 30 between two fresh accounts of 100, with the test's script in the payload. */
    record Transfer(int outUser, int inUser, String transInResult, boolean guard, boolean revertErrorOnce) {
        static Transfer create(boolean transInFails, boolean guard, boolean revertErrorOnce) throws SQLException {
            int out = ThreadLocalRandom.current().nextInt(1_000_000, 2_000_000_000);
            Transfer t = new Transfer(out, out + 1, transInFails ? "FAILURE" : "", guard, revertErrorOnce);
            try (Connection c = connect("dtm_busi");
                    PreparedStatement s =
                            c.prepareStatement("insert into user_account(user_id, balance) values (?, ?), (?, ?)")) {
                s.setInt(1, t.outUser);
                s.setBigDecimal(2, START);
                s.setInt(3, t.inUser);
                s.setBigDecimal(4, START);
                s.executeUpdate();
            }
            return t;
        }
    }

    private Saga saga(Transfer t) {
        String base = "http://127.0.0.1:" + busi.getAddress().getPort() + "/api/busi/";
        Map<String, Object> body = Map.of(
                "amount", 30,
                "outUser", t.outUser(),
                "inUser", t.inUser(),
                "transInResult", t.transInResult(),
                "guard", t.guard(),
                "revertErrorOnce", t.revertErrorOnce());
        return dtm.newSaga()
                .add(base + "TransOut", base + "TransOutRevert", body)
                .add(base + "TransIn", base + "TransInRevert", body)
                .enableWaitResult();
    }

    // ---- the business service ----

    private static void handle(HttpExchange ex) throws IOException {
        String endpoint = ex.getRequestURI().getPath().replaceFirst(".*/", "");
        Map<String, String> query = QueryString.parse(ex.getRequestURI().getRawQuery());
        JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
        String gid = query.get("gid");
        String op = query.get("op");
        BigDecimal amount = req.path("amount").decimalValue();
        boolean[] ran = {false};
        int status;
        String answer;
        try (Connection c = connect("dtm_barrier")) {
            // dtmcli-java reads the query as a servlet's parameter map
            Map<String, String[]> params = new LinkedHashMap<>();
            query.forEach((k, v) -> params.put(k, new String[] {v}));
            BranchBarrier barrier = new BranchBarrier(params);
            barrier.call(c, b -> {
                ran[0] = true;
                switch (endpoint) {
                    case "TransOut" -> adjust(c, req.path("outUser").asInt(), amount.negate());
                    case "TransIn" -> {
                        adjust(c, req.path("inUser").asInt(), amount);
                        if ("FAILURE".equals(req.path("transInResult").asText())) {
                            throw new FailureException("Insufficient balance");
                        }
                    }
                    case "TransOutRevert" ->
                        revert(c, b, req, req.path("outUser").asInt(), amount);
                    case "TransInRevert" -> revert(c, b, req, req.path("inUser").asInt(), amount.negate());
                    default -> throw new IllegalArgumentException(endpoint);
                }
            });
            if (endpoint.equals("TransOutRevert") && req.path("revertErrorOnce").asBoolean() && erred.add(gid)) {
                status = 500;
                answer = "{\"message\":\"temporary error after commit\"}";
            } else {
                status = 200;
                answer = "{\"dtm_result\":\"SUCCESS\"}";
            }
        } catch (FailureException e) {
            status = 409;
            answer = "{\"dtm_result\":\"FAILURE\",\"message\":\"" + e.getMessage() + "\"}";
        } catch (Exception e) {
            status = 500;
            answer = "{\"message\":\"" + e + "\"}";
        }
        log.add(Map.entry(gid, endpoint + " " + op + " " + (ran[0] ? "ran" : "skipped")));
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (var out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void adjust(Connection c, int user, BigDecimal amount) throws SQLException {
        try (PreparedStatement s =
                c.prepareStatement("update dtm_busi.user_account set balance = balance + ? where user_id = ?")) {
            s.setBigDecimal(1, amount);
            s.setInt(2, user);
            if (s.executeUpdate() != 1) {
                throw new SQLException("no account " + user);
            }
        }
    }

    /**
     * A compensation. With {@code guard} it only undoes what its action committed, checked in the
     * same local transaction: the null-compensation test that dtmcli-java's barrier leaves out for
     * sagas.
     */
    private static void revert(Connection c, BranchBarrier b, JsonNode req, int user, BigDecimal amount)
            throws SQLException {
        if (!req.path("guard").asBoolean()) {
            adjust(c, user, amount);
            return;
        }
        try (PreparedStatement s = c.prepareStatement("update dtm_busi.user_account set balance = balance + ?"
                + " where user_id = ? and exists (select 1 from barrier"
                + " where trans_type = ? and gid = ? and branch_id = ? and op = 'action')")) {
            s.setBigDecimal(1, amount);
            s.setInt(2, user);
            s.setString(3, b.getTransTypeEnum().getValue());
            s.setString(4, b.getGid());
            s.setString(5, b.getBranchId());
            s.executeUpdate();
        }
    }

    // ---- helpers ----

    private static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://" + DB + "/" + database + "?connectTimeout=2000&allowMultiQueries=true",
                DB_USER,
                DB_PASSWORD);
    }

    private static void run(Connection c, String resource) throws SQLException, IOException {
        try (InputStream in = BarrierInteropTest.class.getResourceAsStream(resource);
                Statement s = c.createStatement()) {
            s.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static BigDecimal balance(int user) throws SQLException {
        try (Connection c = connect("dtm_busi");
                PreparedStatement s = c.prepareStatement("select balance from user_account where user_id = ?")) {
            s.setInt(1, user);
            try (ResultSet r = s.executeQuery()) {
                assertThat(r.next()).isTrue();
                return r.getBigDecimal(1);
            }
        }
    }

    /** Returns "branch_id op barrier_id reason" of each barrier row of {@code gid}. */
    private static List<String> barrierRows(String gid) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = connect("dtm_barrier");
                PreparedStatement s = c.prepareStatement(
                        "select trans_type, branch_id, op, barrier_id, reason from barrier where gid = ? order by id")) {
            s.setString(1, gid);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    assertThat(r.getString(1)).isEqualTo("saga");
                    rows.add(r.getString(2) + " " + r.getString(3) + " " + r.getString(4) + " " + r.getString(5));
                }
            }
        }
        return rows;
    }
}
