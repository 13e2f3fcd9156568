package io.dtm4j.server.grpc;

import static io.dtm4j.server.grpc.GrpcDtm.statusOf;
import static io.dtm4j.server.grpc.GrpcDtm.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmProgress;
import io.dtm4j.protocol.grpc.DtmProgressesReply;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTopicRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.server.testing.TestServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Every rpc of {@code dtmgimp.Dtm} over a real channel: replies, dtm's status-code mapping, and bad
 * input that must be refused without storing anything.
 */
class GrpcApiTest {
    static final TestServer dtm = new TestServer();
    static final GrpcDtm client = new GrpcDtm(dtm);
    static final GrpcBusinessStub busi = new GrpcBusinessStub();

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = "grpc-api-" + info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        client.close();
        busi.close();
        dtm.close();
    }

    DtmRequest.Builder request(String transType) {
        return DtmRequest.newBuilder().setGid(gid).setTransType(transType);
    }

    @Test
    void newGidAnswersADifferentGidEachTime() {
        String first = client.dtm().newGid(Empty.getDefaultInstance()).getGid();
        String second = client.dtm().newGid(Empty.getDefaultInstance()).getGid();

        assertThat(first).isNotEmpty().isNotEqualTo(second);
    }

    @Test
    void prepareStoresAGrpcTransactionWithTheRequestOptions() {
        client.dtm()
                .prepare(request("tcc")
                        .setTransOptions(DtmTransOptions.newBuilder()
                                .setTimeoutToFail(60)
                                .setRetryInterval(15)
                                .setRequestTimeout(4)
                                .putBranchHeaders("x_token", "t1"))
                        .build());

        var t = dtm.transaction(gid);
        assertThat(t.path("status").asText()).isEqualTo("prepared");
        assertThat(t.path("protocol").asText()).isEqualTo("grpc");
        assertThat(dtm.parse(t.path("options").asText()))
                .isEqualTo(dtm.parse("{\"timeout_to_fail\":60,\"request_timeout\":4,\"retry_interval\":15,"
                        + "\"branch_headers\":{\"x_token\":\"t1\"},\"concurrent\":false}"));
        assertThat(t.path("next_cron_interval").asLong()).isEqualTo(15);
    }

    @Test
    void prepareAfterTheTransactionFinishedIsAborted() {
        client.dtm().submit(request("saga").setSteps("null").build()); // no steps: succeeds at once
        await(() -> dtm.status(gid).equals("succeed"));

        Status s = statusOf(() -> client.dtm().prepare(request("saga").build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(s.getDescription()).isEqualTo("current status 'succeed', cannot prepare. FAILURE");
    }

    @Test
    void anOngoingConfirmUnderWaitResultIsFailedPrecondition() {
        busi.scriptFor(gid, "TransOutConfirm", GrpcBusinessStub.Reply.FAILED_PRECONDITION);
        client.dtm().prepare(request("tcc").build());
        registerTcc("01", utf8("{}"));

        Status s = statusOf(() -> client.dtm()
                .submit(request("tcc")
                        .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true))
                        .build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(s.getDescription()).isEqualTo("rpc error: code = FailedPrecondition desc = not yet");
        assertThat(dtm.status(gid)).isEqualTo("submitted");
    }

    @Test
    void otherErrorsAreUnknownWithDtmsText() {
        Status s = statusOf(() -> client.dtm().abort(request("tcc").build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(s.getDescription()).isEqualTo("no TransGlobal with gid: " + gid + " found");
    }

    @Test
    void abortStoresTheRollbackReasonAndCancelsOverGrpc() {
        client.dtm().prepare(request("tcc").build());
        registerTcc("01", utf8("{\"amount\":30}"));

        client.dtm()
                .abort(request("tcc")
                        .setRollbackReason("try of 02 failed")
                        .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true))
                        .build());

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.rollbackReason(gid)).isEqualTo("try of 02 failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutRevert cancel");
    }

    @Test
    void registerBranchKeepsBinaryPayloadsByteForByte() {
        byte[] notUtf8 = {0, 1, (byte) 0xff, (byte) 0xc3, 0x28};
        client.dtm().prepare(request("tcc").build());
        registerTcc("01", notUtf8);

        client.dtm()
                .submit(request("tcc")
                        .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true))
                        .build());

        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S");
        assertThat(busi.calls(gid))
                .singleElement()
                .satisfies(c -> assertThat(c.payload()).isEqualTo(notUtf8));
        var row = dtm.query(gid).path("branches").get(0);
        assertThat(Base64.getDecoder().decode(row.path("bin_data").asText())).isEqualTo(notUtf8);
    }

    @Test
    void registerBranchWithoutAPreparedTransactionIsAborted() {
        Status s = statusOf(() -> registerTcc("01", new byte[0]));

        assertThat(s.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(s.getDescription()).isEqualTo("no trans with gid: " + gid + " status: prepared found FAILURE");
    }

    @Test
    void registerBranchOfAnUnknownTransTypeIsUnknownAndStoresNothing() {
        client.dtm().prepare(request("tcc").build());

        Status s = statusOf(() -> client.dtm()
                .registerBranch(DtmBranchRequest.newBuilder()
                        .setGid(gid)
                        .setTransType("saga")
                        .setBranchID("01")
                        .build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(s.getDescription()).isEqualTo("unknow trans type: saga");
        assertThat(dtm.branchStatuses(gid)).isEmpty();
    }

    @Test
    void anUnknownTransTypeIsUnknownAndStoresNothing() {
        Status s = statusOf(() -> client.dtm().submit(request("sagaa").build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(s.getDescription()).startsWith("unknow trans type: sagaa");
        assertThat(dtm.transaction(gid).isNull()).isTrue();
    }

    @Test
    void submitWithOnlyAGidIsRefused() {
        Status s = statusOf(
                () -> client.dtm().submit(DtmRequest.newBuilder().setGid(gid).build()));

        assertThat(s.isOk()).isFalse();
        assertThat(dtm.transaction(gid).isNull()).isTrue();
    }

    @Test
    void malformedStepsAreInvalidArgumentAndStoreNothing() {
        Status s = statusOf(() -> client.dtm()
                .submit(request("saga")
                        .setSteps("[{\"action\":")
                        .addBinPayloads(ByteString.copyFromUtf8("{}"))
                        .build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).startsWith("Steps must be the JSON text of an array of objects");
        assertThat(dtm.transaction(gid).isNull()).isTrue();
    }

    @Test
    void stepsWithoutAPayloadEachAreInvalidArgumentAndStoreNothing() {
        Status s = statusOf(() -> client.dtm()
                .submit(new GrpcDtm.Steps()
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), utf8("{}"))
                        .request(gid, "saga")
                        .clearBinPayloads()
                        .build()));

        assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.getDescription()).contains("1 steps but 0 payloads");
        assertThat(dtm.transaction(gid).isNull()).isTrue();
        assertThat(busi.calls(gid)).isEmpty();
    }

    @Test
    void prepareWorkflowAnswersTheStoredWorkflowAndItsProgresses() {
        var wf = request("workflow")
                .setQueryPrepared(busi.address() + "/workflow.Workflow/Execute")
                .setCustomedData("{\"name\":\"wf\",\"data\":\"\"}")
                .build();
        DtmProgressesReply fresh = client.dtm().prepareWorkflow(wf);
        assertThat(fresh.getTransaction().getGid()).isEqualTo(gid);
        assertThat(fresh.getTransaction().getStatus()).isEqualTo("prepared");
        assertThat(fresh.getProgressesList()).isEmpty();

        byte[] recorded = {10, 3, 'a', 'b', 'c', (byte) 0x80};
        client.dtm()
                .registerBranch(DtmBranchRequest.newBuilder()
                        .setGid(gid)
                        .setTransType("workflow")
                        .setBranchID("01")
                        .putData("op", "action")
                        .putData("status", "succeed")
                        .setBusiPayload(ByteString.copyFrom(recorded))
                        .build());
        DtmProgressesReply resumed = client.dtm().prepareWorkflow(wf);
        assertThat(resumed.getProgressesList())
                .containsExactly(DtmProgress.newBuilder()
                        .setStatus("succeed")
                        .setBinData(ByteString.copyFrom(recorded))
                        .setBranchID("01")
                        .setOp("action")
                        .build());

        client.dtm()
                .submit(request("workflow")
                        .putAllReqExtra(Map.of("status", "failed", "rollback_reason", "no stock", "result", "cmVz"))
                        .build());
        DtmProgressesReply finished = client.dtm().prepareWorkflow(wf);
        assertThat(finished.getTransaction().getStatus()).isEqualTo("failed");
        assertThat(finished.getTransaction().getRollbackReason()).isEqualTo("no stock");
        assertThat(finished.getTransaction().getResult()).isEqualTo("cmVz");
    }

    @Test
    void topicsAreManagedOverGrpc() {
        String topic = gid;
        DtmTopicRequest sub = DtmTopicRequest.newBuilder()
                .setTopic(topic)
                .setURL(busi.url("TransIn"))
                .setRemark("in")
                .build();
        client.dtm().subscribe(sub);

        assertThat(statusOf(() -> client.dtm().subscribe(sub)).getDescription()).isEqualTo("this url exists");
        assertThat(statusOf(() -> client.dtm()
                                .subscribe(sub.toBuilder().setTopic("").build()))
                        .getCode())
                .isEqualTo(Status.Code.UNKNOWN);
        client.dtm().unsubscribe(sub);
        assertThat(statusOf(() -> client.dtm().unsubscribe(sub)).getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(statusOf(() -> client.dtm()
                                .deleteTopic(DtmTopicRequest.newBuilder()
                                        .setTopic(topic + "-none")
                                        .build()))
                        .getCode())
                .isEqualTo(Status.Code.UNKNOWN);
        client.dtm().deleteTopic(DtmTopicRequest.newBuilder().setTopic(topic).build());
        assertThat(dtm.get("/api/dtmsvr/queryKV?cat=topics&key=" + topic).body())
                .doesNotContain(topic);
    }

    /**
     * Found by the fuzzer: the error text echoes the topic name, and a long one made a status trailer
     * larger than a grpc-java client accepts (8 KiB), which it reported as INTERNAL instead of UNKNOWN.
     */
    @Test
    void errorAboutAHugeTopicNameStillReachesTheClient() {
        for (String topic : List.of("t".repeat(300_000), "e\u0301\u0301".repeat(2000))) {
            Status status = statusOf(() -> client.dtm()
                    .deleteTopic(DtmTopicRequest.newBuilder().setTopic(topic).build()));

            assertThat(status.getCode()).as("%s", status).isEqualTo(Status.Code.UNKNOWN);
            assertThat(status.getDescription())
                    .startsWith("no such a topic: " + topic.substring(0, 50))
                    .endsWith("…");
        }
    }

    @Test
    void serverReflectionListsTheDtmService() throws Exception {
        var channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", dtm.server().grpcPort(), InsecureChannelCredentials.create())
                .build();
        try {
            var answer = new CompletableFuture<ServerReflectionResponse>();
            var requests = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
                @Override
                public void onNext(ServerReflectionResponse r) {
                    answer.complete(r);
                }

                @Override
                public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {}
            });
            requests.onNext(
                    ServerReflectionRequest.newBuilder().setListServices("").build());
            List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                    .map(ServiceResponse::getName)
                    .toList();
            requests.onCompleted();

            assertThat(services).contains("dtmgimp.Dtm");
        } finally {
            channel.shutdownNow();
        }
    }

    void registerTcc(String branchId, byte[] data) {
        client.dtm()
                .registerBranch(DtmBranchRequest.newBuilder()
                        .setGid(gid)
                        .setTransType("tcc")
                        .setBranchID(branchId)
                        .putData("confirm", busi.url("TransOutConfirm"))
                        .putData("cancel", busi.url("TransOutRevert"))
                        .setBusiPayload(ByteString.copyFrom(data))
                        .build());
    }

    static void await(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(condition);
    }
}
