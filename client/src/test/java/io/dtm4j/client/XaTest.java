package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.client.xa.RmService;
import io.dtm4j.client.xa.XaLocalTransaction;
import io.dtm4j.client.xa.XaTestDatabase;
import io.dtm4j.client.xa.XaTestDatabases;
import io.dtm4j.server.testing.TestServer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SDK's XA, both sides, against the real server and real databases: docs/protocol.md §8.5, §19.4.
 * Each scenario runs on MySQL/MariaDB ({@code mysql}) and on PostgreSQL; a database that is
 * unreachable (or a PostgreSQL without prepared transactions) skips its runs. The resource manager
 * moves 30 from user 1 (TransOut) to user 2 (TransIn) with {@link XaLocalTransaction}.
 */
class XaTest {
    private static final long START_BALANCE = 10_000;
    private static final Map<String, Integer> TRANSFER = Map.of("amount", 30);

    private static TestServer server;
    private static DtmClient dtm;
    private static RmService rm;
    private static final XaTestDatabases DATABASES = new XaTestDatabases(XaTestDatabase.XID_PREFIX, db -> {
        rm.route(db.driver() + "-TransOut", transfer(db, branches(db), 1, -1));
        rm.route(db.driver() + "-TransIn", transfer(db, branches(db), 2, 1));
    });
    /** Gids whose next commit the resource manager answers with ONGOING. */
    private static final Set<String> ONGOING_COMMIT_ONCE = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() {
        server = new TestServer();
        dtm = DtmClient.of(server.dtm());
        rm = new RmService();
    }

    @AfterAll
    static void stop() throws SQLException {
        rm.close();
        server.close();
        DATABASES.close();
    }

    /** The business database of {@code driver} with its two endpoints, or a skip with the reason. */
    private static XaTestDatabase database(String driver) throws SQLException {
        return DATABASES.get(driver, START_BALANCE);
    }

    /** An XA endpoint adding {@code sign * amount} to {@code user}; {@code "fail": true} makes it answer FAILURE. */
    private static RmService.Handler transfer(XaTestDatabase db, XaLocalTransaction branches, int user, int sign) {
        return (query, body) -> {
            if ("commit".equals(query.get("op")) && ONGOING_COMMIT_ONCE.remove(query.get("gid"))) {
                throw new DtmOngoingException("commit of " + query.get("gid") + " not yet");
            }
            branches.handle(query, xa -> {
                var request = server.parse(body);
                if (request.path("fail").asBoolean()) {
                    throw new DtmFailureException("user " + user + ": transfer refused");
                }
                try (PreparedStatement ps = xa.prepareStatement(db.adjustBalance())) {
                    ps.setLong(1, sign * request.path("amount").asLong());
                    ps.setInt(2, user);
                    ps.executeUpdate();
                }
            });
            return null;
        };
    }

    private static String gid(String scenario, String driver) {
        return XaTestDatabase.XID_PREFIX + scenario + "-" + driver + "-" + System.nanoTime();
    }

    private static void awaitStatus(String gid, String status) {
        await(gid + " " + status)
                .atMost(Duration.ofSeconds(20))
                .until(() -> dtm.status(gid).equals(status));
    }

    private static List<String> branchIds(String gid) {
        return server.query(gid).path("branches").findValuesAsText("branch_id");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void branchesPreparedByTheResourceManagersAreCommittedAfterSubmit(String driver) throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("normal", driver);

        dtm.xaGlobalTransaction(gid, xa -> {
            xa.callBranch(TRANSFER, rm.url(driver + "-TransOut"));
            xa.callBranch(TRANSFER, rm.url(driver + "-TransIn"));
            assertThat(db.preparedXids(gid)).containsExactlyInAnyOrder(gid + "-01", gid + "-02");
        });

        awaitStatus(gid, "succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(branchIds(gid)).containsExactly("01", "01", "02", "02");
        assertThat(rm.trail(gid))
                .containsExactly(
                        driver + "-TransOut action",
                        driver + "-TransIn action",
                        driver + "-TransOut commit",
                        driver + "-TransIn commit");
        assertThat(db.balance(1)).isEqualTo(START_BALANCE - 30);
        assertThat(db.balance(2)).isEqualTo(START_BALANCE + 30);
        assertThat(db.preparedXids(gid)).isEmpty();

        // the same phase one once more: the barrier row shows that the work is done
        branches(db).handle(phaseOne(gid, "01", rm.url(driver + "-TransOut")), xa -> {
            throw new AssertionError("the business of a repeated phase one must not run");
        });
        assertThat(db.preparedXids(gid)).isEmpty();
        assertThat(db.balance(1)).isEqualTo(START_BALANCE - 30);
    }

    private static XaLocalTransaction branches(XaTestDatabase db) {
        return XaLocalTransaction.of(db.dataSource()).withBarrierTable(db.barrierTable());
    }

    /** The query of the application's call of a branch's phase one. */
    private static Map<String, String> phaseOne(String gid, String branchId, String url) {
        return Map.of(
                "dtm",
                server.dtm(),
                "gid",
                gid,
                "branch_id",
                branchId,
                "trans_type",
                "xa",
                "op",
                "action",
                "phase2_url",
                url);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aBranchAlreadyCommittedBehindTheServersBackCountsAsCommitted(String driver) throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("duplicate", driver);

        dtm.xaGlobalTransaction(gid, xa -> {
            xa.callBranch(TRANSFER, rm.url(driver + "-TransOut"));
            xa.callBranch(TRANSFER, rm.url(driver + "-TransIn"));
            db.commitPrepared(gid + "-02");
        });

        awaitStatus(gid, "succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(db.balance(1)).isEqualTo(START_BALANCE - 30);
        assertThat(db.balance(2)).isEqualTo(START_BALANCE + 30);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aFailingLocalTransactionRollsBackTheEarlierBranchAndALatePhaseOneDoesNothing(String driver)
            throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("rollback", driver);

        assertThatThrownBy(() -> dtm.xaGlobalTransaction(gid, xa -> {
                    xa.callBranch(TRANSFER, rm.url(driver + "-TransOut"));
                    xa.callBranch(Map.of("amount", 30, "fail", true), rm.url(driver + "-TransIn"));
                }))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("user 2: transfer refused");

        awaitStatus(gid, "failed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(branchIds(gid)).containsExactly("01", "01");
        assertThat(server.rollbackReason(gid)).isEmpty();
        assertThat(db.balance(1)).isEqualTo(START_BALANCE);
        assertThat(db.balance(2)).isEqualTo(START_BALANCE);
        assertThat(db.preparedXids(gid)).isEmpty();
        assertThat(db.barrierReasons(gid, "01")).containsExactly("rollback");
        assertThat(db.barrierReasons(gid, "02")).isEmpty();

        Map<String, String> lateAction = phaseOne(gid, "01", rm.url(driver + "-TransOut"));
        assertThatThrownBy(() -> branches(db).handle(lateAction, xa -> {
                    throw new AssertionError("the business of a late phase one must not run");
                }))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("already rolled back");
        assertThat(db.preparedXids(gid)).isEmpty();
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P");
    }

    @Test
    void anErrorOfTheApplicationBeforeAnyBranchFailsTheTransaction() {
        String gid = gid("localerror", "none");
        IllegalStateException error = new IllegalStateException("no stock");

        assertThatThrownBy(() -> dtm.xaGlobalTransaction(gid, xa -> {
                    throw error;
                }))
                .isSameAs(error);

        awaitStatus(gid, "failed");
        assertThat(server.branchStatuses(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aTransactionTimingOutWhileTheApplicationRunsIsRolledBackAndItsSubmitFails(String driver) throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("timeout", driver);

        assertThatThrownBy(() -> dtm.xaGlobalTransaction(gid, xa -> {
                    xa.callBranch(TRANSFER, rm.url(driver + "-TransOut"));
                    server.clock.advance(Duration.ofSeconds(300));
                    server.cron();
                }))
                .isInstanceOf(DtmFailureException.class);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(server.rollbackReason(gid)).matches("Timeout after \\d+ seconds");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(db.balance(1)).isEqualTo(START_BALANCE);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aCommitAnsweringOngoingIsRetriedByTheScheduler(String driver) throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("notimeout", driver);
        ONGOING_COMMIT_ONCE.add(gid);

        dtm.xaGlobalTransaction(gid, xa -> {
            server.cron(); // a scheduler round now must leave the running transaction alone
            xa.callBranch(TRANSFER, rm.url(driver + "-TransOut"));
        });

        await().atMost(Duration.ofSeconds(20)).until(() -> !ONGOING_COMMIT_ONCE.contains(gid));
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "P");
        server.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(rm.trail(gid))
                .containsExactly(driver + "-TransOut action", driver + "-TransOut commit", driver + "-TransOut commit");
        assertThat(db.balance(1)).isEqualTo(START_BALANCE - 30);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @Test
    void aRequestThatIsNotAnXaBranchIsRefused() {
        XaLocalTransaction branches = XaLocalTransaction.of(new org.postgresql.ds.PGSimpleDataSource());
        Map<String, String> saga = Map.of("gid", "g", "branch_id", "01", "trans_type", "saga", "op", "action");
        Map<String, String> unknownOp = Map.of("gid", "g", "branch_id", "01", "trans_type", "xa", "op", "confirm");
        Map<String, String> noPhase2 = Map.of("gid", "g", "branch_id", "01", "trans_type", "xa", "op", "action");

        assertThatThrownBy(() -> branches.handle(saga, xa -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trans_type 'xa', got 'saga'");
        assertThatThrownBy(() -> branches.handle(unknownOp, xa -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 'confirm'");
        assertThatThrownBy(() -> branches.handle(noPhase2, xa -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'dtm' and 'phase2_url'");
    }
}
