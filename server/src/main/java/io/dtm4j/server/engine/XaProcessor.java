package io.dtm4j.server.engine;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.store.BranchOp;
import java.time.Instant;
import java.util.List;

/**
 * XA (docs/protocol.md §8.5): resource managers register their prepared local XA transactions while
 * the global one is prepared; the server commits them all after submit, or rolls them all back
 * after abort or timeout, first to last, always with POST.
 */
final class XaProcessor implements Processor {

    @Override
    public List<BranchOp> generateBranches(TransRequest request, Instant now) {
        return List.of(); // branches arrive through registerBranch
    }

    @Override
    public void processOnce(ActiveTrans t) {
        if (t.status() == TransStatus.PREPARED && t.isTimedOut()) {
            t.changeStatus(TransStatus.ABORTING, t.timeoutReason());
        }
        Phase2.run(t, Ops.COMMIT, Ops.ROLLBACK, false);
    }
}
