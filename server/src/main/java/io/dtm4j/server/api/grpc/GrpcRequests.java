package io.dtm4j.server.api.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.server.api.TraceHeaders;
import io.dtm4j.server.engine.DtmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns gRPC requests into the engine's transport-neutral requests (docs/protocol.md §5.1):
 * protocol {@code grpc}, options from {@code TransOptions}, steps from the JSON text {@code Steps},
 * binary payloads as they are. gRPC has no field for {@code concurrent} or {@code retry_count};
 * they stay zero.
 */
final class GrpcRequests {
    private static final TypeReference<List<Map<String, String>>> STEPS = new TypeReference<>() {};

    private final ObjectMapper json;

    GrpcRequests(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Returns the transaction request carried by {@code r}.
     *
     * @throws DtmException (bad request) when {@code Steps} is not a JSON array of string maps
     */
    TransRequest transaction(DtmRequest r) {
        DtmTransOptions o = r.getTransOptions(); // absent: all zero
        return new TransRequest(
                r.getGid(),
                r.getTransType(),
                steps(r.getSteps()),
                List.of(),
                r.getCustomedData(),
                r.getQueryPrepared(),
                "grpc",
                o.getWaitResult(),
                o.getTimeoutToFail(),
                o.getRequestTimeout(),
                o.getRetryInterval(),
                o.getBranchHeadersMap(),
                false,
                o.getRetryLimit(),
                0,
                0, // dtm's protobuf has no parking options: the server's budget applies
                0,
                TraceHeaders.grpcContext(),
                r.getRollbackReason(),
                r.getReqExtraMap(),
                r.getBinPayloadsList().stream().map(ByteString::toByteArray).toList());
    }

    /**
     * Returns the registerBranch fields of {@code r}: its {@code Data} map (confirm/cancel, url,
     * op/status/sync) with gid, trans_type and branch_id from the message fields. The branch data is
     * {@code BusiPayload}; {@code Op} is not read, as in dtm (workflow passes it inside {@code Data}).
     */
    static Map<String, String> branchFields(DtmBranchRequest r) {
        Map<String, String> fields = new HashMap<>(r.getDataMap());
        fields.put("gid", r.getGid());
        fields.put("trans_type", r.getTransType());
        fields.put("branch_id", r.getBranchID());
        return fields;
    }

    private List<Map<String, String>> steps(String text) {
        if (text.isBlank()) {
            return List.of();
        }
        try {
            List<Map<String, String>> steps = json.readValue(text, STEPS);
            return steps == null ? List.of() : steps; // the Go SDK sends "null" for no steps
        } catch (JsonProcessingException e) {
            throw DtmException.badRequest(
                    "Steps must be the JSON text of an array of objects with string values: " + e.getOriginalMessage());
        }
    }
}
