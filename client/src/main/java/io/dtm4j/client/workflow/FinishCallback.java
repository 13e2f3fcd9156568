package io.dtm4j.client.workflow;

import io.dtm4j.client.barrier.BranchBarrier;

/** A callback run when the workflow finishes either way, registered with {@link Workflow#onFinish}. */
@FunctionalInterface
public interface FinishCallback {
    /**
     * Runs the callback; like a {@link Phase2Callback}, it must eventually succeed.
     *
     * @param barrier a barrier for the branch and op ({@code commit} or {@code rollback})
     * @param rolledBack true when the workflow failed, false when it succeeded
     */
    void run(BranchBarrier barrier, boolean rolledBack) throws Exception;
}
