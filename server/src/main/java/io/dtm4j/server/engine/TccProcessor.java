package io.dtm4j.server.engine;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.store.BranchOp;
import java.time.Instant;
import java.util.List;

/**
 * TCC (docs/protocol.md §8.4): the application registers branches while the transaction is prepared
 * and calls their try itself; the server confirms every branch after submit, or cancels every
 * branch after abort or timeout, walking the rows from the last registered to the first.
 */
final class TccProcessor implements Processor {

    @Override
    public List<BranchOp> generateBranches(TransRequest request, Instant now) {
        return List.of(); // branches arrive through registerBranch
    }

    @Override
    public void processOnce(ActiveTrans t) {
        if (t.status() == TransStatus.PREPARED && t.isTimedOut()) {
            t.changeStatus(TransStatus.ABORTING, t.timeoutReason());
        }
        Phase2.run(t, Ops.CONFIRM, Ops.CANCEL, true);
    }
}
