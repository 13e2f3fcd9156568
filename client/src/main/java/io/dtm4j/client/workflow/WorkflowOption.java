package io.dtm4j.client.workflow;

/** Options of a registered workflow, passed to {@link Workflows#register}. */
public enum WorkflowOption {
    /**
     * Compensates a branch whose action failed definitively too. By default the rollback callback
     * of such a branch (registered before its action) is dropped, on the view that a failed action
     * left nothing to undo; set this when a failed action may have done part of its work.
     */
    COMPENSATE_ERROR_BRANCH
}
