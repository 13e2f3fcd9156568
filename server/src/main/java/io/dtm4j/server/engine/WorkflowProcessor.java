package io.dtm4j.server.engine;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.server.invoke.Outcome;
import io.dtm4j.server.store.BranchOp;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workflow (docs/protocol.md §8.6): the client runs the workflow and records its steps; the server
 * only stores them. An unfinished workflow is resumed by calling the client back on {@code
 * query_prepared} with the workflow's name and input, every RetryInterval (the claim lease) until
 * the client submits it.
 */
final class WorkflowProcessor implements Processor {
    private static final Logger log = LoggerFactory.getLogger(WorkflowProcessor.class);

    private final CustomData customData;

    WorkflowProcessor(CustomData customData) {
        this.customData = customData;
    }

    @Override
    public List<BranchOp> generateBranches(TransRequest request, Instant now) {
        return List.of(); // steps arrive through registerBranch
    }

    @Override
    public void processOnce(ActiveTrans t) {
        if (t.status().isFinished()) {
            return;
        }
        CustomData.Workflow wf = customData.workflow(t.global().customData());
        Outcome o = t.call(t.global().queryPrepared(), Ops.RESERVED_BRANCH_ID, wf.name(), wf.input());
        if (!o.isSuccess()) {
            log.info("gid {}: workflow callback answered {}", t.gid(), o.isOngoing() ? "ONGOING" : o.text());
        }
    }
}
