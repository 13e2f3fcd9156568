package io.dtm4j.server.engine;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.engine.ActiveTrans.BranchResult;

/** The second phase shared by TCC and XA: call every row of one op, then finish the transaction. */
final class Phase2 {
    private Phase2() {}

    /**
     * Calls the {@code commitOp} rows of a submitted transaction or the {@code rollbackOp} rows of an
     * aborting one, stopping at the first that does not succeed; when all have, the transaction ends
     * {@code succeed} or {@code failed}. Other statuses are left alone.
     *
     * @param lastFirst walk the rows from the last registered to the first (TCC) or the reverse (XA)
     * @throws DtmException for the first call that did not succeed (retried later by the scheduler)
     */
    static void run(ActiveTrans t, String commitOp, String rollbackOp, boolean lastFirst) {
        TransStatus status = t.status();
        if (status != TransStatus.SUBMITTED && status != TransStatus.ABORTING) {
            return;
        }
        String op = status == TransStatus.SUBMITTED ? commitOp : rollbackOp;
        int n = t.branchCount();
        for (int k = 0; k < n; k++) {
            int i = lastFirst ? n - 1 - k : k;
            if (!op.equals(t.branch(i).op()) || t.branch(i).status() == TransStatus.SUCCEED) {
                continue;
            }
            BranchResult r = t.execBranch(i);
            if (r.status() != TransStatus.SUCCEED) {
                throw RoundErrors.of(r.outcome());
            }
        }
        t.changeStatus(status == TransStatus.SUBMITTED ? TransStatus.SUCCEED : TransStatus.FAILED, null);
    }
}
