package io.dtm4j.server.engine;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.engine.ActiveTrans.BranchResult;
import io.dtm4j.server.invoke.Outcome;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.topic.Topics;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Two-phase message (docs/protocol.md §8.3): a prepared message is checked back through {@code
 * query_prepared} once it times out; a submitted one runs its actions (after the optional delay)
 * until all succeed. A message never rolls back after submit.
 */
final class MsgProcessor implements Processor {
    private static final String TOPIC_PREFIX = "topic://";

    private final Topics topics;
    private final CustomData customData;

    MsgProcessor(Topics topics, CustomData customData) {
        this.topics = topics;
        this.customData = customData;
    }

    @Override
    public List<BranchOp> generateBranches(TransRequest request, Instant now) {
        List<byte[]> payloads = Payloads.of(request);
        List<BranchOp> rows = new ArrayList<>();
        for (int i = 0; i < request.steps().size(); i++) {
            String branchId = "%02d".formatted(i + 1);
            String action = request.steps().get(i).getOrDefault(Ops.ACTION, "");
            if (!action.startsWith(TOPIC_PREFIX)) {
                rows.add(BranchOp.create(request.gid(), branchId, Ops.ACTION, action, payloads.get(i), now));
                continue;
            }
            List<String> urls = topics.subscribers(action.substring(TOPIC_PREFIX.length()));
            if (urls.isEmpty()) {
                throw DtmException.error("topic not found");
            }
            for (int j = 0; j < urls.size(); j++) {
                String id = urls.size() == 1 ? branchId : branchId + "-%02d".formatted(j + 1);
                rows.add(BranchOp.create(request.gid(), id, Ops.ACTION, urls.get(j), payloads.get(i), now));
            }
        }
        return rows;
    }

    @Override
    public void processOnce(ActiveTrans t) {
        if (t.status() == TransStatus.PREPARED && t.isTimedOut() && !checkBack(t)) {
            return;
        }
        if (t.status() != TransStatus.SUBMITTED) {
            return;
        }
        long delay = customData.msgDelay(t.global().customData());
        Instant due = t.global().createTime().plusSeconds(delay);
        if (delay > 0 && t.now().isBefore(due)) {
            t.postponeTo(due);
            return;
        }
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < t.branchCount(); i++) {
            if (Ops.ACTION.equals(t.branch(i).op()) && t.branch(i).status() == TransStatus.PREPARED) {
                pending.add(i);
            }
        }
        List<BranchResult> results = t.options().concurrent() ? runAll(t, pending) : runInOrder(t, pending);
        for (BranchResult r : results) {
            if (r.outcome().isOngoing()) {
                return; // retried at a fixed interval, not an error
            }
        }
        for (BranchResult r : results) {
            if (r.status() != TransStatus.SUCCEED) {
                throw RoundErrors.of(r.outcome());
            }
        }
        t.changeStatus(TransStatus.SUCCEED, null);
    }

    /** Asks the application whether the local transaction committed; returns true to go on. */
    private static boolean checkBack(ActiveTrans t) {
        Outcome o = t.call(t.global().queryPrepared(), Ops.RESERVED_BRANCH_ID, Ops.MSG, new byte[0]);
        if (o.isSuccess()) {
            t.changeStatus(TransStatus.SUBMITTED, null);
            return true;
        }
        if (o.isFailure()) {
            t.changeStatus(TransStatus.FAILED, null);
            return false;
        }
        t.afterCall(o, false, t.global().queryPrepared());
        return false;
    }

    private static List<BranchResult> runInOrder(ActiveTrans t, List<Integer> pending) {
        List<BranchResult> results = new ArrayList<>();
        for (int i : pending) {
            BranchResult r = t.execBranch(i);
            results.add(r);
            if (r.status() != TransStatus.SUCCEED) {
                break;
            }
        }
        return results;
    }

    private static List<BranchResult> runAll(ActiveTrans t, List<Integer> pending) {
        List<Thread> threads = new ArrayList<>();
        BranchResult[] results = new BranchResult[pending.size()];
        for (int k = 0; k < pending.size(); k++) {
            int slot = k;
            threads.add(Thread.ofVirtual().start(Context.current().wrap((Runnable)
                    () -> results[slot] = t.execBranch(pending.get(slot)))));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DtmException.error("interrupted while processing gid '" + t.gid() + "'");
            }
        }
        List<BranchResult> list = new ArrayList<>();
        for (BranchResult r : results) {
            list.add(r != null ? r : new BranchResult(-1, TransStatus.PREPARED, Outcome.error("branch call crashed")));
        }
        return list;
    }
}
