package io.dtm4j.client;

import static io.dtm4j.client.GrpcAccounts.amount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Int64Value;
import io.dtm4j.client.xa.XaLocalTransaction;
import io.dtm4j.client.xa.XaTestDatabase;
import io.dtm4j.client.xa.XaTestDatabases;
import io.dtm4j.server.testing.TestServer;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * XA with every call over gRPC (docs/protocol.md §19.4, TestXaGrpc*): the application calls the
 * actions through {@link DtmClient#grpc}, the resource manager serves them with {@link
 * XaLocalTransaction#handleGrpc}, registering each branch through the server's gRPC API named in
 * {@code dtm-dtm}, and the server commits or rolls back on the same gRPC methods. Real XA on
 * MySQL/MariaDB and PostgreSQL; an unavailable database skips its runs.
 */
class XaGrpcTest {
    private static final long START_BALANCE = 10_000;
    /** Prepared transactions are server-wide: this class's xids must not start with {@link XaTest}'s. */
    private static final String XID_PREFIX = "client-xg-";

    private static TestServer server;
    private static DtmClient dtm;
    private static GrpcBusi rm;
    private static final XaTestDatabases DATABASES = new XaTestDatabases(XID_PREFIX, db -> {
        XaLocalTransaction branches = XaLocalTransaction.of(db.dataSource()).withBarrierTable(db.barrierTable());
        rm.on(db.driver() + "-TransOut", transfer(db, branches, 1, -1));
        rm.on(db.driver() + "-TransIn", transfer(db, branches, 2, 1));
    });

    @BeforeAll
    static void start() {
        server = new TestServer();
        dtm = DtmClient.grpc("127.0.0.1:" + server.server().grpcPort());
        rm = new GrpcBusi();
    }

    @AfterAll
    static void stop() throws SQLException {
        dtm.close();
        rm.close();
        server.close();
        DATABASES.close();
    }

    private static XaTestDatabase database(String driver) throws SQLException {
        return DATABASES.get(driver, START_BALANCE);
    }

    /** A gRPC XA method adding {@code sign * amount} to {@code user}; TransIn refuses gids of rollback scenarios. */
    private static GrpcBusi.Handler transfer(XaTestDatabase db, XaLocalTransaction branches, int user, int sign) {
        return request -> {
            branches.handleGrpc(xa -> {
                if (sign > 0 && GrpcBranch.identity().gid().contains("rollback")) {
                    throw new DtmFailureException("user " + user + ": transfer refused");
                }
                try (PreparedStatement ps = xa.prepareStatement(db.adjustBalance())) {
                    ps.setLong(1, sign * Int64Value.parseFrom(request).getValue());
                    ps.setInt(2, user);
                    ps.executeUpdate();
                }
            });
            return new byte[0];
        };
    }

    private static String gid(String scenario, String driver) {
        return XID_PREFIX + scenario + "-" + driver + "-" + System.nanoTime();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void actionsRegisterOverGrpcAndTheServerCommitsThemOverGrpc(String driver) throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("normal", driver);

        dtm.xaGlobalTransaction(gid, x -> x.waitResult(true), xa -> {
            xa.callBranch(amount(30), rm.url(driver + "-TransOut"));
            xa.callBranch(amount(30), rm.url(driver + "-TransIn"));
            assertThat(db.preparedXids(gid)).containsExactlyInAnyOrder(gid + "-01", gid + "-02");
        });

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(rm.trail(gid))
                .containsExactly(
                        driver + "-TransOut action",
                        driver + "-TransIn action",
                        driver + "-TransOut commit",
                        driver + "-TransIn commit");
        assertThat(rm.calls(gid).get(0).metadata())
                .containsEntry("dtm-dtm", dtm.serverUrl())
                .containsEntry("dtm-phase2_url", rm.url(driver + "-TransOut"));
        assertThat(rm.calls(gid).get(2).metadata()).containsEntry("dtm-trans_type", "xa");
        assertThat(db.balance(1)).isEqualTo(START_BALANCE - 30);
        assertThat(db.balance(2)).isEqualTo(START_BALANCE + 30);
        assertThat(db.preparedXids(gid)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mysql", "postgres"})
    void aRefusedActionRollsBackThePreparedBranchOverGrpc(String driver) throws SQLException {
        XaTestDatabase db = database(driver);
        String gid = gid("rollback", driver);

        assertThatThrownBy(() -> dtm.xaGlobalTransaction(gid, x -> x.waitResult(true), xa -> {
                    xa.callBranch(amount(30), rm.url(driver + "-TransOut"));
                    xa.callBranch(amount(30), rm.url(driver + "-TransIn"));
                }))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("user 2: transfer refused");

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(server.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(rm.trail(gid))
                .containsExactly(
                        driver + "-TransOut action", driver + "-TransIn action", driver + "-TransOut rollback");
        assertThat(db.balance(1)).isEqualTo(START_BALANCE);
        assertThat(db.balance(2)).isEqualTo(START_BALANCE);
        assertThat(db.preparedXids(gid)).isEmpty();
        assertThat(db.barrierReasons(gid, "01")).containsExactly("rollback");
    }

    @Test
    void aGrpcCallWithoutTheInterceptorIsRefusedClearly() {
        XaLocalTransaction branches = XaLocalTransaction.of(new org.postgresql.ds.PGSimpleDataSource());

        assertThatThrownBy(() -> branches.handleGrpc(xa -> {}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GrpcBranch.interceptor()");
    }
}
