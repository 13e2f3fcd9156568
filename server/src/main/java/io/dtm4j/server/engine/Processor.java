package io.dtm4j.server.engine;

import io.dtm4j.protocol.TransRequest;
import io.dtm4j.server.store.BranchOp;
import java.time.Instant;
import java.util.List;

/** The behaviour of one transaction type: which branch rows it creates, and one processing round. */
public interface Processor {

    /**
     * Returns the branch rows created at prepare or submit (docs/protocol.md §7), in storage order.
     *
     * @throws DtmException when the request cannot produce rows (e.g. a topic without subscribers)
     */
    List<BranchOp> generateBranches(TransRequest request, Instant now);

    /**
     * Runs one processing round: calls what is due and moves the status on. Work left unfinished is
     * resumed by the scheduler in a later round.
     *
     * @throws DtmException when the round ended with an error the caller should see (wait_result)
     */
    void processOnce(ActiveTrans trans);
}
