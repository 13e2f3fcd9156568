package io.dtm4j.client.workflow;

import java.util.Map;

/**
 * The workflow engine's three calls to the server (docs/protocol.md §8.6), over HTTP ({@link
 * HttpWorkflowTransport}) or gRPC ({@link GrpcWorkflowTransport}). Business calls of recorded
 * steps go through the application's {@link io.dtm4j.client.DtmClient} instead.
 */
interface WorkflowTransport {
    /**
     * What prepareWorkflow answered: the stored global and its recorded steps keyed {@code
     * <branch_id>-<op>}.
     *
     * @param result the stored result, base64 as submitted
     */
    record Prepared(String status, String rollbackReason, String result, Map<String, StepResult> progresses) {}

    /**
     * Creates the workflow {@code gid} unless it exists (prepareWorkflow) and returns it with its
     * recorded steps.
     *
     * @param customData the JSON text {@code {"name":…,"data":<base64 input>}}
     * @param callbackUrl the resume callback, stored as {@code query_prepared}
     */
    Prepared prepare(String gid, String customData, String callbackUrl);

    /** Records the outcome of one step (registerBranch with {@code op} and {@code status}). */
    void record(String gid, String branchId, String op, StepResult result);

    /** Finishes the workflow: submit with {@code status}, {@code rollback_reason}, {@code result} in req_extra. */
    void submit(String gid, Map<String, String> reqExtra);
}
