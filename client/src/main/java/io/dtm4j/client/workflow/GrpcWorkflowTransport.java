package io.dtm4j.client.workflow;

import com.google.protobuf.ByteString;
import io.dtm4j.client.DtmClient;
import io.dtm4j.protocol.TransType;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmProgress;
import io.dtm4j.protocol.grpc.DtmProgressesReply;
import io.dtm4j.protocol.grpc.DtmRequest;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine's server calls over the gRPC API ({@code dtmgimp.Dtm}): PrepareWorkflow,
 * RegisterBranch (op and status in {@code Data}, as dtm's Go client sends them, the step's bytes as
 * {@code BusiPayload}) and Submit with {@code ReqExtra}.
 */
final class GrpcWorkflowTransport implements WorkflowTransport {
    private static final String WORKFLOW = TransType.WORKFLOW.wire();

    private final DtmClient dtm;

    GrpcWorkflowTransport(DtmClient dtm) {
        this.dtm = dtm;
    }

    @Override
    public Prepared prepare(String gid, String customData, String callbackUrl) {
        DtmRequest request = DtmRequest.newBuilder()
                .setGid(gid)
                .setTransType(WORKFLOW)
                .setCustomedData(customData)
                .setQueryPrepared(callbackUrl)
                .build();
        DtmProgressesReply reply = dtm.grpcCall("dtm PrepareWorkflow", stub -> stub.prepareWorkflow(request));
        Map<String, StepResult> progresses = new HashMap<>();
        for (DtmProgress p : reply.getProgressesList()) {
            progresses.put(
                    p.getBranchID() + "-" + p.getOp(),
                    StepResult.fromRecord(
                            p.getBranchID(),
                            p.getOp(),
                            p.getStatus(),
                            p.getBinData().toByteArray()));
        }
        var trans = reply.getTransaction();
        return new Prepared(trans.getStatus(), trans.getRollbackReason(), trans.getResult(), progresses);
    }

    @Override
    public void record(String gid, String branchId, String op, StepResult result) {
        DtmBranchRequest request = DtmBranchRequest.newBuilder()
                .setGid(gid)
                .setTransType(WORKFLOW)
                .setBranchID(branchId)
                .setOp(op) // not read by the server, which takes op from Data
                .putData("op", op)
                .putData("status", result.wireStatus())
                .setBusiPayload(ByteString.copyFrom(result.data()))
                .build();
        dtm.grpcCall("dtm RegisterBranch", stub -> stub.registerBranch(request));
    }

    @Override
    public void submit(String gid, Map<String, String> reqExtra) {
        DtmRequest request = DtmRequest.newBuilder()
                .setGid(gid)
                .setTransType(WORKFLOW)
                .putAllReqExtra(reqExtra)
                .build();
        dtm.grpcCall("dtm Submit", stub -> stub.submit(request));
    }
}
