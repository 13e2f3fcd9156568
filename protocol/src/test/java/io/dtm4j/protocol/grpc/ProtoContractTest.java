package io.dtm4j.protocol.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.dtm4j.protocol.grpc.workflow.WorkflowData;
import io.dtm4j.protocol.grpc.workflow.WorkflowGrpc;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Holds the protos to dtm's wire contract (docs/protocol.md §5.1, §5.2): full names, field numbers,
 * field names and json names. A change here breaks the Go and C# SDKs.
 */
class ProtoContractTest {

    /** Returns "number name json_name type" per field, in declaration order. */
    static Map<Integer, String> fields(Descriptor d) {
        Map<Integer, String> result = new LinkedHashMap<>();
        for (FieldDescriptor f : d.getFields()) {
            String type = f.isMapField() ? "map" : (f.isRepeated() ? "repeated " : "") + f.getType();
            result.put(f.getNumber(), f.getName() + " " + f.getJsonName() + " " + type);
        }
        return result;
    }

    @Test
    void dtmServiceHasDtmsMethodPaths() {
        assertThat(DtmGrpc.getServiceDescriptor().getMethods())
                .extracting(m -> m.getFullMethodName())
                .containsExactlyInAnyOrder(
                        "dtmgimp.Dtm/NewGid",
                        "dtmgimp.Dtm/Submit",
                        "dtmgimp.Dtm/Prepare",
                        "dtmgimp.Dtm/Abort",
                        "dtmgimp.Dtm/RegisterBranch",
                        "dtmgimp.Dtm/PrepareWorkflow",
                        "dtmgimp.Dtm/Subscribe",
                        "dtmgimp.Dtm/Unsubscribe",
                        "dtmgimp.Dtm/DeleteTopic");
        assertThat(WorkflowGrpc.getExecuteMethod().getFullMethodName()).isEqualTo("workflow.Workflow/Execute");
    }

    @Test
    void transOptionsKeepFieldFourReserved() {
        Descriptor d = DtmTransOptions.getDescriptor();
        assertThat(d.getFullName()).isEqualTo("dtmgimp.DtmTransOptions");
        assertThat(fields(d))
                .containsExactly(
                        Map.entry(1, "WaitResult WaitResult BOOL"),
                        Map.entry(2, "TimeoutToFail TimeoutToFail INT64"),
                        Map.entry(3, "RetryInterval RetryInterval INT64"),
                        Map.entry(5, "BranchHeaders BranchHeaders map"),
                        Map.entry(6, "RequestTimeout RequestTimeout INT64"),
                        Map.entry(7, "RetryLimit RetryLimit INT64"));
        assertThat(d.isReservedNumber(4)).isTrue();
    }

    @Test
    void requestMessagesMatchDtm() {
        assertThat(fields(DtmRequest.getDescriptor()))
                .containsExactly(
                        Map.entry(1, "Gid Gid STRING"),
                        Map.entry(2, "TransType TransType STRING"),
                        Map.entry(3, "TransOptions TransOptions MESSAGE"),
                        Map.entry(4, "CustomedData CustomedData STRING"),
                        Map.entry(5, "BinPayloads BinPayloads repeated BYTES"),
                        Map.entry(6, "QueryPrepared QueryPrepared STRING"),
                        Map.entry(7, "Steps Steps STRING"),
                        Map.entry(8, "ReqExtra ReqExtra map"),
                        Map.entry(9, "RollbackReason RollbackReason STRING"));
        assertThat(fields(DtmBranchRequest.getDescriptor()))
                .containsExactly(
                        Map.entry(1, "Gid Gid STRING"),
                        Map.entry(2, "TransType TransType STRING"),
                        Map.entry(3, "BranchID BranchID STRING"),
                        Map.entry(4, "Op Op STRING"),
                        Map.entry(5, "Data Data map"),
                        Map.entry(6, "BusiPayload BusiPayload BYTES"));
        assertThat(fields(DtmTopicRequest.getDescriptor()))
                .containsExactly(
                        Map.entry(1, "Topic Topic STRING"),
                        Map.entry(2, "URL URL STRING"),
                        Map.entry(3, "Remark Remark STRING"));
        assertThat(fields(DtmGidReply.getDescriptor())).containsExactly(Map.entry(1, "Gid Gid STRING"));
        assertThat(fields(WorkflowData.getDescriptor())).containsExactly(Map.entry(1, "Data Data BYTES"));
        assertThat(WorkflowData.getDescriptor().getFullName()).isEqualTo("workflow.WorkflowData");
    }

    @Test
    void workflowRepliesCarryDtmsJsonNames() {
        assertThat(fields(DtmProgressesReply.getDescriptor()))
                .containsExactly(
                        Map.entry(1, "Transaction transaction MESSAGE"),
                        Map.entry(2, "Progresses progresses repeated MESSAGE"));
        assertThat(fields(DtmTransaction.getDescriptor()))
                .containsExactly(
                        Map.entry(1, "Gid gid STRING"),
                        Map.entry(2, "Status status STRING"),
                        Map.entry(3, "RollbackReason rollback_reason STRING"),
                        Map.entry(4, "Result result STRING"));
        assertThat(fields(DtmProgress.getDescriptor()))
                .containsExactly(
                        Map.entry(1, "Status status STRING"),
                        Map.entry(2, "BinData bin_data BYTES"),
                        Map.entry(3, "BranchID branch_id STRING"),
                        Map.entry(4, "Op op STRING"));
    }
}
