package io.dtm4j.client.workflow;

import io.dtm4j.client.barrier.BranchBarrier;

/**
 * A second-phase callback of a branch: registered with {@link Workflow#onCommit} or {@link
 * Workflow#onRollback}, it runs once the workflow's outcome is known. It must eventually succeed:
 * throwing leaves the workflow unfinished and the callback runs again on resume.
 */
@FunctionalInterface
public interface Phase2Callback {
    /**
     * Runs the callback.
     *
     * @param barrier a barrier for the branch and op ({@code commit} or {@code rollback})
     */
    void run(BranchBarrier barrier) throws Exception;
}
