package io.dtm4j.client.workflow;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.client.DtmClient;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The workflow engine's HTTP traffic, through the application's {@link DtmClient}: the three server
 * routes it uses (prepareWorkflow, registerBranch, submit) and the business calls of recorded HTTP
 * steps.
 */
final class WorkflowHttp {
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** What prepareWorkflow answered: the stored global and its recorded steps keyed {@code <branch_id>-<op>}. */
    record Prepared(String status, String rollbackReason, String result, Map<String, StepResult> progresses) {}

    private final DtmClient dtm;

    WorkflowHttp(DtmClient dtm) {
        this.dtm = dtm;
    }

    /** Creates the workflow unless it exists, and returns it with its recorded steps. */
    Prepared prepareWorkflow(Map<String, Object> body) {
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

    /** Records one step; the values must all be strings (the server decodes a string map). */
    void registerBranch(Map<String, String> body) {
        dtm.registerBranch(body);
    }

    /** Finishes the workflow with the status, reason and result in {@code req_extra}. */
    void submit(Map<String, Object> body) {
        dtm.post("submit", body);
    }

    /**
     * Calls a business service. A body is sent as it is; an empty body is left out.
     *
     * @throws DtmException when no response arrived (refused connection, timeout)
     */
    DtmClient.Response call(
            String method, String url, Map<String, String> query, Map<String, String> headers, byte[] body) {
        return dtm.exchange(method, url, query, headers, body);
    }
}
