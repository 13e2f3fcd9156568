package io.dtm4j.client;

import static io.dtm4j.client.GrpcAccounts.add;
import static io.dtm4j.client.GrpcAccounts.amount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Int64Value;
import io.dtm4j.client.barrier.BarrierBusiness;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.protocol.Ops;
import io.dtm4j.server.testing.TestServer;
import io.grpc.Metadata;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TCC and XA (application side) through {@link DtmClient#grpc} against the real server: the SDK
 * calls the tries and actions over gRPC with the {@code dtm-*} metadata, the server then calls
 * confirm/cancel and commit/rollback on the same gRPC service (docs/protocol.md §8.4, §8.5, §5.3, §13).
 * The TCC branches move money in SQLite behind barriers built from the call metadata.
 */
class SdkGrpcTccXaTest {
    private static final Metadata.Key<String> PHASE2_URL =
            Metadata.Key.of("dtm-phase2_url", Metadata.ASCII_STRING_MARSHALLER);

    private static TestServer server;
    private static GrpcBusi busi;
    private static DtmClient dtm;
    private static GrpcAccounts accounts;
    /** The XA resource manager's clients, per server address it was told in {@code dtm-dtm}. */
    private static final Map<String, DtmClient> rmClients = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer();
        busi = new GrpcBusi();
        dtm = DtmClient.grpc("127.0.0.1:" + server.server().grpcPort());
        accounts = new GrpcAccounts();

        tcc("TccOutTry", gid -> amount -> tx -> add(tx, "out-" + gid, -amount));
        tcc("TccOutConfirm", gid -> amount -> tx -> {});
        tcc("TccOutCancel", gid -> amount -> tx -> add(tx, "out-" + gid, amount));
        tcc(
                "TccInTry",
                gid -> amount -> tx -> {
                    if (gid.contains("rollback")) {
                        throw new DtmFailureException("Insufficient balance");
                    }
                });
        tcc("TccInConfirm", gid -> amount -> tx -> add(tx, "in-" + gid, amount));
        tcc("TccInCancel", gid -> amount -> tx -> {});

        xa("XaOut");
        xa("XaIn");
    }

    /** A TCC handler: {@code business} of (gid, amount) run behind the barrier of the call. */
    private static void tcc(String method, Function<String, Function<Long, BarrierBusiness>> business) {
        busi.on(method, request -> {
            BranchIdentity branch = GrpcBranch.identity();
            long amount = Int64Value.parseFrom(request).getValue();
            BranchBarrier.of(branch)
                    .callWithDb(accounts.db, business.apply(branch.gid()).apply(amount));
            return new byte[0];
        });
    }

    /**
     * An XA resource manager in its simplest form: the action registers the branch with the server
     * it was called for, with the phase-2 URL it was given; commit and rollback just answer OK.
     * (XaGrpcTest does real XA with XaLocalTransaction.) {@code XaIn} fails for a rollback gid.
     */
    private static void xa(String method) {
        busi.on(method, request -> {
            BranchIdentity branch = GrpcBranch.identity();
            if (!branch.op().equals(Ops.ACTION)) {
                return new byte[0];
            }
            if (method.equals("XaIn") && branch.gid().contains("rollback")) {
                throw new DtmFailureException("Insufficient balance");
            }
            rmClients
                    .computeIfAbsent(GrpcBranch.dtmServer(), DtmClient::grpc)
                    .registerBranch(Map.of(
                            "gid", branch.gid(),
                            "trans_type", branch.transType(),
                            "branch_id", branch.branchId(),
                            "url", GrpcBranch.metadata().get(PHASE2_URL)));
            return new byte[0];
        });
    }

    @AfterAll
    static void stop() throws Exception {
        rmClients.values().forEach(DtmClient::close);
        dtm.close();
        busi.close();
        server.close();
        accounts.close();
    }

    private static void transfer(Tcc tcc, long amount) {
        tcc.callBranch(amount(amount), busi.url("TccOutTry"), busi.url("TccOutConfirm"), busi.url("TccOutCancel"));
        tcc.callBranch(amount(amount), busi.url("TccInTry"), busi.url("TccInConfirm"), busi.url("TccInCancel"));
    }

    @Test
    void tccOverGrpcTriesThenConfirmsInReverseOrder() throws Exception {
        String gid = dtm.newGid();
        accounts.open(gid);

        dtm.tccGlobalTransaction(gid, t -> t.waitResult(true).branchHeader("test_header", "yes"), t -> transfer(t, 30));

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(busi.trail(gid))
                .containsExactly("TccOutTry try", "TccInTry try", "TccInConfirm confirm", "TccOutConfirm confirm");
        assertThat(accounts.balances(gid)).containsExactly(70L, 30L);
        GrpcBusi.Call firstTry = busi.calls(gid).get(0);
        assertThat(firstTry.metadata())
                .containsEntry("dtm-gid", gid)
                .containsEntry("dtm-trans_type", "tcc")
                .containsEntry("dtm-branch_id", "01")
                .containsEntry("dtm-op", "try")
                .containsEntry("dtm-dtm", dtm.serverUrl())
                .containsEntry("test_header", "yes");
        GrpcBusi.Call lastConfirm = busi.calls(gid).get(3);
        assertThat(lastConfirm.payload()).isEqualTo(amount(30).toByteArray());
        assertThat(lastConfirm.metadata()).containsEntry("dtm-branch_id", "01").containsEntry("test_header", "yes");
    }

    @Test
    void aTryHandlerNestsBranchesUnderItsOwnFromGrpcMetadata() throws Exception {
        String gid = dtm.newGid();
        accounts.open(gid);

        dtm.tccGlobalTransaction(gid, t -> t.waitResult(true), t -> {
            transfer(t, 30);
            // what a try handler of branch 02 receives, and the nested branch it opens
            Metadata incoming = new Metadata();
            incoming.put(Metadata.Key.of("dtm-gid", Metadata.ASCII_STRING_MARSHALLER), gid);
            incoming.put(Metadata.Key.of("dtm-trans_type", Metadata.ASCII_STRING_MARSHALLER), "tcc");
            incoming.put(Metadata.Key.of("dtm-branch_id", Metadata.ASCII_STRING_MARSHALLER), "02");
            incoming.put(Metadata.Key.of("dtm-op", Metadata.ASCII_STRING_MARSHALLER), "try");
            Tcc nested = Tcc.fromGrpcMetadata(dtm, incoming);
            nested.callBranch(amount(0), busi.url("TccOutTry"), busi.url("TccOutConfirm"), busi.url("TccOutCancel"));
        });

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(busi.calls(gid).stream().map(c -> c.metadata().get("dtm-branch_id")))
                .containsExactly("01", "02", "0201", "0201", "02", "01");
        assertThat(server.branchStatuses(gid)).hasSize(6).containsOnly("P", "S");
    }

    @Test
    void tccOverGrpcWhoseTryFailsAbortsWithItsTextAsReasonAndCancels() throws Exception {
        String gid = "sdk-grpc-tcc-rollback-" + System.nanoTime();
        accounts.open(gid);

        DtmFailureException thrown = catchThrowableOfType(
                DtmFailureException.class,
                () -> dtm.tccGlobalTransaction(gid, t -> t.waitResult(true), t -> transfer(t, 30)));

        assertThat(thrown.getMessage()).endsWith("Insufficient balance. FAILURE");
        assertThat(server.rollbackReason(gid)).isEqualTo(thrown.getMessage());
        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(busi.trail(gid))
                .containsExactly("TccOutTry try", "TccInTry try", "TccInCancel cancel", "TccOutCancel cancel");
        // the failed try rolled back its barrier row, so its cancel was a null compensation
        assertThat(accounts.balances(gid)).containsExactly(100L, 0L);
    }

    @Test
    void tccOverGrpcRefusesAnHttpTryUrl() {
        String gid = "sdk-grpc-tcc-http-url-" + System.nanoTime();

        assertThatThrownBy(() -> dtm.tccGlobalTransaction(
                        gid, t -> t.callBranch(amount(1), "http://127.0.0.1:1/TransOut", "", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:port/package.Service/Method");
        // the abort (without wait_result) is answered before its round ends
        await().atMost(Duration.ofSeconds(10)).until(() -> server.status(gid).equals("failed"));
    }

    @Test
    void xaOverGrpcCallsTheActionsWithThePhase2UrlAndTheServerCommitsThem() {
        String gid = dtm.newGid();

        dtm.xaGlobalTransaction(gid, x -> x.waitResult(true), xa -> {
            xa.callBranch(amount(30), busi.url("XaOut"));
            xa.callBranch(amount(30), busi.url("XaIn"));
        });

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(server.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("XaOut action", "XaIn action", "XaOut commit", "XaIn commit");
        GrpcBusi.Call action = busi.calls(gid).get(0);
        assertThat(action.payload()).isEqualTo(amount(30).toByteArray());
        assertThat(action.metadata())
                .containsEntry("dtm-trans_type", "xa")
                .containsEntry("dtm-op", "action")
                .containsEntry("dtm-phase2_url", busi.url("XaOut"))
                .containsEntry("dtm-dtm", dtm.serverUrl());
    }

    @Test
    void xaOverGrpcWhoseActionFailsRollsBackTheRegisteredBranch() {
        String gid = "sdk-grpc-xa-rollback-" + System.nanoTime();

        assertThatThrownBy(() -> dtm.xaGlobalTransaction(gid, x -> x.waitResult(true), xa -> {
                    xa.callBranch(amount(30), busi.url("XaOut"));
                    xa.callBranch(amount(30), busi.url("XaIn"));
                }))
                .isInstanceOf(DtmFailureException.class)
                .hasMessageContaining("Insufficient balance");

        assertThat(server.status(gid)).isEqualTo("failed");
        assertThat(busi.trail(gid)).containsExactly("XaOut action", "XaIn action", "XaOut rollback");
    }
}
