package io.dtm4j.client.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.client.DtmClient;
import io.dtm4j.protocol.TransType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** The engine's server calls over HTTP, through the routes prepareWorkflow, registerBranch and submit. */
final class HttpWorkflowTransport implements WorkflowTransport {
    private final DtmClient dtm;

    HttpWorkflowTransport(DtmClient dtm) {
        this.dtm = dtm;
    }

    @Override
    public Prepared prepare(String gid, String customData, String callbackUrl) {
        Map<String, Object> body = common(gid);
        body.put("custom_data", customData);
        body.put("query_prepared", callbackUrl);
        JsonNode answer = dtm.prepareWorkflow(body);
        JsonNode trans = answer.path("transaction");
        Map<String, StepResult> progresses = new HashMap<>();
        for (JsonNode p : answer.path("progresses")) {
            String branchId = p.path("branch_id").asText("");
            String op = p.path("op").asText("");
            byte[] data = Base64.getDecoder().decode(p.path("bin_data").asText(""));
            progresses.put(
                    branchId + "-" + op,
                    StepResult.fromRecord(branchId, op, p.path("status").asText(""), data));
        }
        return new Prepared(
                trans.path("status").asText(""),
                trans.path("rollback_reason").asText(""),
                trans.path("result").asText(""),
                progresses);
    }

    @Override
    public void record(String gid, String branchId, String op, StepResult result) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", TransType.WORKFLOW.wire());
        body.put("branch_id", branchId);
        body.put("op", op);
        body.put("status", result.wireStatus());
        // dtm's HTTP clients send the bytes as a JSON string: binary results need valid UTF-8
        // (docs/protocol.md §20.30)
        body.put("data", new String(result.data(), StandardCharsets.UTF_8));
        dtm.registerBranch(body);
    }

    @Override
    public void submit(String gid, Map<String, String> reqExtra) {
        Map<String, Object> body = common(gid);
        body.put("req_extra", reqExtra);
        dtm.post("submit", body);
    }

    private static Map<String, Object> common(String gid) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", TransType.WORKFLOW.wire());
        body.put("protocol", "http");
        body.put("concurrent", false);
        return body;
    }
}
