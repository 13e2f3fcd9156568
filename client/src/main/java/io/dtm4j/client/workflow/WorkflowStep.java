package io.dtm4j.client.workflow;

import io.dtm4j.client.barrier.BranchBarrier;

/** A local step of a workflow branch, recorded by {@link Workflow#doAction}. */
@FunctionalInterface
public interface WorkflowStep {
    /**
     * Runs the step.
     *
     * @param barrier a barrier for this branch and op, to make SQL work inside the step idempotent
     * @return the step's result, recorded and replayed on resume (null is taken as empty)
     * @throws io.dtm4j.client.DtmFailureException when the step failed definitively (recorded)
     * @throws Exception any other exception is not recorded: the step runs again on resume
     */
    byte[] run(BranchBarrier barrier) throws Exception;
}
