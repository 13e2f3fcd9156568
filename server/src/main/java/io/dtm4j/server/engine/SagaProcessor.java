package io.dtm4j.server.engine;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.engine.ActiveTrans.BranchResult;
import io.dtm4j.server.store.BranchOp;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Saga (docs/protocol.md §8.2): actions forward, in order or concurrently; on a failed action,
 * timeout or exceeded retry limit, compensations backward, the failed step included. Rows are
 * stored two per step: compensate at 2i, action at 2i+1.
 */
final class SagaProcessor implements Processor {
    private static final long MAX_WAIT_MILLIS = 3000;

    private final CustomData customData;
    private final long requestTimeoutSeconds;

    SagaProcessor(CustomData customData, long requestTimeoutSeconds) {
        this.customData = customData;
        this.requestTimeoutSeconds = requestTimeoutSeconds;
    }

    @Override
    public List<BranchOp> generateBranches(TransRequest request, Instant now) {
        List<byte[]> payloads = Payloads.of(request);
        List<BranchOp> rows = new ArrayList<>();
        for (int i = 0; i < request.steps().size(); i++) {
            String branchId = "%02d".formatted(i + 1);
            var step = request.steps().get(i);
            rows.add(BranchOp.create(
                    request.gid(), branchId, Ops.COMPENSATE, step.get(Ops.COMPENSATE), payloads.get(i), now));
            rows.add(BranchOp.create(request.gid(), branchId, Ops.ACTION, step.get(Ops.ACTION), payloads.get(i), now));
        }
        return rows;
    }

    @Override
    public void processOnce(ActiveTrans t) {
        new Round(t, customData.sagaPlan(t.global().customData(), t.branchCount() / 2)).run();
    }

    /** The state of one round; lives only while the round runs. */
    private final class Round {
        private final ActiveTrans t;
        private final SagaPlan plan;
        private final int steps;
        private final boolean[] started;
        private final long deadline;
        private long retryCount;
        private String failure;

        Round(ActiveTrans t, SagaPlan plan) {
            this.t = t;
            this.plan = plan;
            this.steps = plan.steps();
            this.started = new boolean[steps];
            this.retryCount = t.options().retryCount();
            // dtm budgets a round by the server's RequestTimeout alone; a saga that asks for longer
            // calls gets a round long enough to see them answer (docs/protocol.md §20.5)
            long callSeconds = t.options().requestTimeout() > 0 ? t.options().requestTimeout() : requestTimeoutSeconds;
            this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(callSeconds + 2);
        }

        void run() {
            if (t.status() == TransStatus.SUBMITTED && t.isTimedOut()) {
                t.changeStatus(TransStatus.ABORTING, t.timeoutReason());
            }
            if (t.status() == TransStatus.SUBMITTED) {
                forward();
            }
            if (t.status() == TransStatus.ABORTING) {
                backward();
            }
        }

        private void forward() {
            if (!stepsWhere(s -> action(s) == TransStatus.FAILED).isEmpty()) {
                // an action failed in an earlier round that could not record the abort (a crash between
                // the branch row and the status): roll back as dtm does, never succeed past it
                failure = "fail message lost";
            }
            List<Integer> pending = stepsWhere(s -> action(s) == TransStatus.PREPARED);
            var results = new LinkedBlockingQueue<BranchResult>();
            int running = 0;
            while (t.status() == TransStatus.SUBMITTED && failure == null && !t.isTimedOut() && timeLeft() > 0) {
                List<TransStatus> actions = actionStatuses();
                for (int s = 0; s < steps; s++) {
                    if (!started[s] && actions.get(s) == TransStatus.PREPARED && plan.actionRunnable(s, actions)) {
                        started[s] = true;
                        running++;
                        launch(2 * s + 1, results);
                    }
                }
                if (running == 0) {
                    break;
                }
                BranchResult r = poll(results);
                if (r == null) {
                    continue;
                }
                running--;
                if (r.status() == TransStatus.FAILED) {
                    failure = "url:" + t.branch(r.index()).url() + " return failed: "
                            + r.outcome().text() + " FAILURE";
                } else if (r.status() == TransStatus.PREPARED && t.options().retryLimit() > 0) {
                    if (retryCount < t.options().retryLimit()) {
                        retryCount++;
                        running++;
                        launch(r.index(), results);
                    } else {
                        t.changeStatus(
                                TransStatus.ABORTING,
                                "RetryCount is greater than RetryLimit, RetryLimit: "
                                        + t.options().retryLimit());
                    }
                }
            }
            // actions still in flight finish first (within the round's time): their outcome is written
            // in this round, under its claim, and no compensation overtakes its own action
            while (running > 0 && timeLeft() > 0) {
                if (poll(results) != null) {
                    running--;
                }
            }
            if (t.status() != TransStatus.SUBMITTED) {
                return;
            }
            if (failure == null && pending.stream().allMatch(s -> action(s) == TransStatus.SUCCEED)) {
                t.changeStatus(TransStatus.SUCCEED, null);
            } else if (failure != null) {
                t.changeStatus(TransStatus.ABORTING, failure);
            } else if (t.isTimedOut()) {
                t.changeStatus(TransStatus.ABORTING, t.timeoutReason());
            }
        }

        private void backward() {
            // What could run now may have run: treat it as started, so it gets compensated too.
            List<TransStatus> actions = actionStatuses();
            for (int s = 0; s < steps; s++) {
                if (actions.get(s) == TransStatus.PREPARED && plan.actionRunnable(s, actions)) {
                    started[s] = true;
                }
            }
            boolean[] needed = new boolean[steps];
            for (int s = 0; s < steps; s++) {
                needed[s] = compensation(s) != TransStatus.SUCCEED && (action(s) != TransStatus.PREPARED || started[s]);
            }
            boolean[] compStarted = new boolean[steps];
            var results = new LinkedBlockingQueue<BranchResult>();
            int running = 0;
            while (t.status() == TransStatus.ABORTING && timeLeft() > 0) {
                boolean[] rolledBack = rolledBack();
                for (int s = steps - 1; s >= 0; s--) {
                    if (needed[s]
                            && !compStarted[s]
                            && compensation(s) == TransStatus.PREPARED
                            && plan.compensationRunnable(s, rolledBack)) {
                        compStarted[s] = true;
                        running++;
                        launch(2 * s, results);
                    }
                }
                if (running == 0) {
                    break;
                }
                if (poll(results) != null) {
                    running--;
                }
            }
            boolean done = true;
            for (int s = 0; s < steps; s++) {
                done &= !needed[s] || compensation(s) == TransStatus.SUCCEED;
            }
            if (done && t.status() == TransStatus.ABORTING) {
                t.changeStatus(TransStatus.FAILED, null);
            }
        }

        /** A step counts as rolled back when compensated, or when its action never ran. */
        private boolean[] rolledBack() {
            boolean[] result = new boolean[steps];
            for (int s = 0; s < steps; s++) {
                result[s] =
                        compensation(s) == TransStatus.SUCCEED || (action(s) == TransStatus.PREPARED && !started[s]);
            }
            return result;
        }

        private void launch(int index, BlockingQueue<BranchResult> results) {
            Thread.ofVirtual()
                    .name("saga-" + t.gid() + "-" + index)
                    .start(Context.current().wrap(() -> {
                        BranchResult r;
                        try {
                            r = t.execBranch(index);
                        } catch (RuntimeException e) {
                            r = new BranchResult(
                                    index, TransStatus.PREPARED, io.dtm4j.server.invoke.Outcome.error(e.toString()));
                        }
                        results.add(r);
                    }));
        }

        private BranchResult poll(BlockingQueue<BranchResult> results) {
            try {
                return results.poll(Math.min(MAX_WAIT_MILLIS, Math.max(1, timeLeft())), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DtmException.error("interrupted while processing gid '" + t.gid() + "'");
            }
        }

        private long timeLeft() {
            return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        }

        private TransStatus action(int step) {
            return t.branch(2 * step + 1).status();
        }

        private TransStatus compensation(int step) {
            return t.branch(2 * step).status();
        }

        private List<TransStatus> actionStatuses() {
            List<TransStatus> result = new ArrayList<>(steps);
            for (int s = 0; s < steps; s++) {
                result.add(action(s));
            }
            return result;
        }

        private List<Integer> stepsWhere(IntPredicate p) {
            List<Integer> result = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                if (p.test(s)) {
                    result.add(s);
                }
            }
            return result;
        }
    }
}
