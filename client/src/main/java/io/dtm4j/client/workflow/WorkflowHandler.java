package io.dtm4j.client.workflow;

/**
 * The body of a workflow: runs its steps through {@code workflow} and returns the workflow's result.
 * It runs again, from the start, each time the workflow is resumed; steps recorded by an earlier run
 * are then replayed from their records instead of being executed again, so the code between steps
 * must be deterministic.
 */
@FunctionalInterface
public interface WorkflowHandler {
    /**
     * Runs the workflow.
     *
     * @param workflow the running workflow, to create branches and run recorded steps
     * @param data the input given to {@link Workflows#execute}
     * @return the result (null is taken as empty)
     * @throws io.dtm4j.client.DtmFailureException to fail the workflow: its rollback callbacks run
     * @throws Exception any other exception leaves the workflow unfinished, to be resumed later
     */
    byte[] run(Workflow workflow, byte[] data) throws Exception;
}
