package io.dtm4j.server.grpc;

import static io.dtm4j.server.grpc.GrpcDtm.statusOf;
import static io.dtm4j.server.grpc.GrpcDtm.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.server.grpc.GrpcBusinessStub.Reply;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Saga and msg transactions submitted over gRPC whose branches are gRPC methods (docs/protocol.md §19.1/§19.2
 * TestSagaGrpc*, TestMsgGrpc*): payload bytes and {@code dtm-*} metadata as sent,
 * outcomes classified by status code, mixed HTTP and gRPC steps.
 */
class GrpcSagaMsgTest {
    static final byte[] OUT = {8, 30, 18, 2, 'o', 'u'}; // protobuf-like bytes, as the Go SDK sends
    static final byte[] IN = {8, 30, 18, 2, 'i', (byte) 0xee};
    static final TestServer dtm = new TestServer();
    static final GrpcDtm client = new GrpcDtm(dtm);
    static final GrpcBusinessStub busi = new GrpcBusinessStub();
    static final BusinessStub http = new BusinessStub();

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = "grpc-" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        client.close();
        busi.close();
        http.close();
        dtm.close();
    }

    DtmRequest.Builder transfer() {
        return new GrpcDtm.Steps()
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), OUT)
                .step(busi.url("TransIn"), busi.url("TransInRevert"), IN)
                .request(gid, "saga");
    }

    static DtmTransOptions.Builder waitResult() {
        return DtmTransOptions.newBuilder().setWaitResult(true);
    }

    @Test
    void theSubmittingCallsTraceContextReachesEveryGrpcBranch() {
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        Metadata md = new Metadata();
        md.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), parent);
        md.put(Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER), "vendor=abc");

        client.dtm()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                .submit(transfer().setTransOptions(waitResult()).build());

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(busi.calls(gid))
                .hasSize(2)
                .allSatisfy(call -> assertThat(call.metadata())
                        .containsEntry("traceparent", parent)
                        .containsEntry("tracestate", "vendor=abc"));
    }

    @Test
    void sagaCallsEachGrpcActionWithItsBytesAndMetadata() {
        client.dtm()
                .submit(transfer()
                        .setTransOptions(waitResult().putBranchHeaders("test_header", "test"))
                        .build());

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        var out = busi.calls(gid).get(0);
        assertThat(out.method()).isEqualTo("busi.Busi/TransOut");
        assertThat(out.payload()).isEqualTo(OUT);
        assertThat(out.metadata())
                .containsAllEntriesOf(Map.of(
                        "dtm-gid", gid,
                        "dtm-trans_type", "saga",
                        "dtm-branch_id", "01",
                        "dtm-op", "action",
                        "dtm-dtm", "",
                        "test_header", "test"));
        assertThat(busi.calls(gid).get(1).payload()).isEqualTo(IN);
        assertThat(busi.calls(gid).get(1).metadata()).containsEntry("dtm-branch_id", "02");
    }

    @Test
    void sagaRollsBackWhenAnActionIsAbortedAndRetriesAnOngoingCompensation() {
        busi.scriptFor(gid, "TransIn", Reply.ABORTED);
        busi.scriptFor(gid, "TransOutRevert", Reply.FAILED_PRECONDITION);

        Status s = statusOf(() ->
                client.dtm().submit(transfer().setTransOptions(waitResult()).build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(s.getDescription()).contains("Insufficient balance");
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S", "S", "F");
        assertThat(dtm.rollbackReason(gid))
                .isEqualTo("url:" + busi.url("TransIn")
                        + " return failed: rpc error: code = Aborted desc = reason: Insufficient balance FAILURE");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action",
                        "TransIn action",
                        "TransInRevert compensate",
                        "TransOutRevert compensate",
                        "TransOutRevert compensate");
    }

    @Test
    void aLegacyAbortedOngoingIsRetriedLikeFailedPrecondition() {
        busi.scriptFor(gid, "TransOut", Reply.LEGACY_ONGOING);

        client.dtm().submit(transfer().build());

        awaitRoundsOver();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(10); // ONGOING: no backoff
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
    }

    @Test
    void anUnavailableBranchIsRetriedWithBackoff() {
        busi.scriptFor(gid, "TransOut", Reply.UNAVAILABLE);

        client.dtm().submit(transfer().build());

        awaitRoundsOver();
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20);
        dtm.clock.advanceSeconds(20);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("succeed");
    }

    @Test
    void aBranchCallEndsAtTheRequestTimeout() {
        busi.scriptFor(gid, "TransOut", Reply.slow(Duration.ofSeconds(3)));
        long start = System.nanoTime();

        Status s = statusOf(() -> client.dtm()
                .submit(transfer()
                        .setTransOptions(waitResult().setRequestTimeout(1))
                        .build()));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2800));
        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(dtm.status(gid)).isEqualTo("submitted");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "P", "P", "P");
        assertThat(dtm.nextCronInterval(gid)).isEqualTo(20); // DeadlineExceeded is a transient error
    }

    @Test
    void aGrpcSagaMayMixHttpAndGrpcSteps() {
        client.dtm()
                .submit(new GrpcDtm.Steps()
                        .step(http.url("TransOut"), http.url("TransOutRevert"), utf8("{\"amount\":30}"))
                        .step(busi.url("TransIn"), busi.url("TransInRevert"), IN)
                        .request(gid, "saga")
                        .setTransOptions(waitResult())
                        .build());

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.transaction(gid).path("protocol").asText()).isEqualTo("grpc");
        assertThat(http.trail(gid)).containsExactly("TransOut action");
        assertThat(http.calls(gid).get(0).body()).isEqualTo("{\"amount\":30}");
        assertThat(busi.trail(gid)).containsExactly("TransIn action");
        assertThat(busi.calls(gid).get(0).payload()).isEqualTo(IN);
    }

    @Test
    void anHttpTransactionNeverCallsOverGrpc() {
        var r = dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga(gid)
                        .step(busi.url("TransOut"), "{}")
                        .set("wait_result", true)
                        .body());

        // refused at submit: HTTP cannot call a gRPC URL (docs/security.md), nothing stored
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("cannot be called over HTTP");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void msgCallsItsGrpcActionsAfterSubmit() {
        var msg = new GrpcDtm.Steps()
                .step(busi.url("TransOut"), OUT)
                .step(busi.url("TransIn"), IN)
                .request(gid, "msg")
                .setQueryPrepared(busi.url("QueryPrepared"));
        client.dtm().prepare(msg.build());
        assertThat(busi.calls(gid)).isEmpty();

        client.dtm().submit(msg.setTransOptions(waitResult()).build());

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(busi.calls(gid).get(1).payload()).isEqualTo(IN);
    }

    @Test
    void aTimedOutMsgAsksItsGrpcCheckBackAndCommits() {
        busi.scriptFor(gid, "QueryPrepared", Reply.FAILED_PRECONDITION);
        client.dtm()
                .prepare(new GrpcDtm.Steps()
                        .step(busi.url("TransIn"), IN)
                        .request(gid, "msg")
                        .setQueryPrepared(busi.url("QueryPrepared"))
                        .build());

        dtm.clock.advanceSeconds(180);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("prepared"); // check-back said ONGOING
        dtm.clock.advanceSeconds(180);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg", "QueryPrepared msg", "TransIn action");
        var checkBack = busi.calls(gid).get(0);
        assertThat(checkBack.payload()).isEmpty();
        assertThat(checkBack.metadata()).containsEntry("dtm-branch_id", "00").containsEntry("dtm-trans_type", "msg");
    }

    @Test
    void aTimedOutMsgWhoseGrpcCheckBackIsAbortedFails() {
        busi.scriptFor(gid, "QueryPrepared", Reply.ABORTED);
        client.dtm()
                .prepare(new GrpcDtm.Steps()
                        .step(busi.url("TransIn"), IN)
                        .request(gid, "msg")
                        .setQueryPrepared(busi.url("QueryPrepared"))
                        .build());

        dtm.clock.advanceSeconds(180);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P");
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg");
    }

    static void awaitRoundsOver() {
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> dtm.server().engine().activeRounds() == 0);
    }
}
