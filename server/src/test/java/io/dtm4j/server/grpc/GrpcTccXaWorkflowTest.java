package io.dtm4j.server.grpc;

import static io.dtm4j.server.grpc.GrpcDtm.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.protocol.grpc.workflow.WorkflowData;
import io.dtm4j.server.grpc.GrpcBusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * TCC and XA phase-2 calls and the workflow resume callback over gRPC (docs/protocol.md §19.3
 * TestTccGrpc*, §19.4 TestXaGrpc*, docs/protocol.md §8.6): ops in the right order, {@code dtm-*}
 * metadata and branch headers, and the {@code WorkflowData} the callback carries.
 */
class GrpcTccXaWorkflowTest {
    static final TestServer dtm = new TestServer();
    static final GrpcDtm client = new GrpcDtm(dtm);
    static final GrpcBusinessStub busi = new GrpcBusinessStub();

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = "grpc-" + info.getTestMethod().orElseThrow().getName();
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

    static DtmTransOptions.Builder waitResult() {
        return DtmTransOptions.newBuilder().setWaitResult(true);
    }

    void register(String transType, String branchId, String... data) {
        var b = DtmBranchRequest.newBuilder()
                .setGid(gid)
                .setTransType(transType)
                .setBranchID(branchId)
                .setBusiPayload(ByteString.copyFrom(utf8("{\"branch\":\"" + branchId + "\"}")));
        for (int i = 0; i < data.length; i += 2) {
            b.putData(data[i], data[i + 1]);
        }
        client.dtm().registerBranch(b.build());
    }

    @Test
    void tccConfirmsInReverseOrderWithBranchHeadersInTheMetadata() {
        var options = DtmTransOptions.newBuilder().putBranchHeaders("test_header", "test");
        client.dtm().prepare(request("tcc").setTransOptions(options).build());
        register("tcc", "01", "confirm", busi.url("TransOutConfirm"), "cancel", busi.url("TransOutRevert"));
        register("tcc", "02", "confirm", busi.url("TransInConfirm"), "cancel", busi.url("TransInRevert"));

        client.dtm()
                .submit(request("tcc")
                        .setTransOptions(options.clone().setWaitResult(true))
                        .build());

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransInConfirm confirm", "TransOutConfirm confirm");
        var confirm = busi.calls(gid).get(0);
        assertThat(confirm.payload()).isEqualTo(utf8("{\"branch\":\"02\"}"));
        assertThat(confirm.metadata())
                .containsEntry("dtm-gid", gid)
                .containsEntry("dtm-trans_type", "tcc")
                .containsEntry("dtm-branch_id", "02")
                .containsEntry("test_header", "test");
    }

    @Test
    void tccTimeoutCancelsOverGrpcRetryingAnOngoingCancel() {
        busi.scriptFor(gid, "TransOutRevert", Reply.FAILED_PRECONDITION);
        client.dtm().prepare(request("tcc").build());
        register("tcc", "01", "confirm", busi.url("TransOutConfirm"), "cancel", busi.url("TransOutRevert"));

        dtm.clock.advanceSeconds(300);
        dtm.cron();
        assertThat(dtm.status(gid)).isEqualTo("aborting");
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutRevert cancel", "TransOutRevert cancel");
    }

    @Test
    void xaCommitsEveryBranchInOrderOverGrpc() {
        client.dtm().prepare(request("xa").build());
        register("xa", "01", "url", busi.url("TransOutXa"));
        register("xa", "02", "url", busi.url("TransInXa"));

        client.dtm().submit(request("xa").setTransOptions(waitResult()).build());

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("P", "S", "P", "S");
        assertThat(busi.trail(gid)).containsExactly("TransOutXa commit", "TransInXa commit");
        assertThat(busi.calls(gid).get(0).metadata()).containsEntry("dtm-trans_type", "xa");
    }

    @Test
    void xaAbortRollsBackEveryBranchOverGrpc() {
        client.dtm().prepare(request("xa").build());
        register("xa", "01", "url", busi.url("TransOutXa"));
        register("xa", "02", "url", busi.url("TransInXa"));

        client.dtm().abort(request("xa").setTransOptions(waitResult()).build());

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(dtm.branchStatuses(gid)).containsExactly("S", "P", "S", "P");
        assertThat(busi.trail(gid)).containsExactly("TransOutXa rollback", "TransInXa rollback");
    }

    @Test
    void anUnfinishedWorkflowIsResumedThroughWorkflowExecute() throws Exception {
        byte[] input = {10, 2, 'h', 'i', (byte) 0xfe};
        String customData =
                "{\"name\":\"wf_saga\",\"data\":\"" + Base64.getEncoder().encodeToString(input) + "\"}";
        client.dtm()
                .prepareWorkflow(request("workflow")
                        .setQueryPrepared(busi.address() + "/workflow.Workflow/Execute")
                        .setCustomedData(customData)
                        .build());

        dtm.clock.advanceSeconds(30);
        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("prepared"); // the client itself submits
        assertThat(busi.calls(gid)).singleElement().satisfies(c -> {
            assertThat(c.method()).isEqualTo("workflow.Workflow/Execute");
            assertThat(c.metadata())
                    .containsEntry("dtm-op", "wf_saga")
                    .containsEntry("dtm-branch_id", "00")
                    .containsEntry("dtm-trans_type", "workflow");
            assertThat(WorkflowData.parseFrom(c.payload()).getData().toByteArray())
                    .isEqualTo(input);
        });
    }
}
