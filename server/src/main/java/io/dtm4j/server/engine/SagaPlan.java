package io.dtm4j.server.engine;

import io.dtm4j.protocol.TransStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which saga steps may run now (docs/protocol.md §8.2): plain functions of the step statuses.
 * Sequential sagas run step i after step i-1 and compensate it after step i+1; concurrent sagas
 * follow {@code orders} (step → steps whose action must have succeeded first) and its reverse for
 * compensations.
 */
public record SagaPlan(int steps, boolean concurrent, Map<Integer, List<Integer>> orders) {

    private static final List<Integer> NONE = List.of();

    public SagaPlan {
        orders = Map.copyOf(orders);
    }

    /** Returns whether the action of {@code step} may start, given every action's status. */
    public boolean actionRunnable(int step, List<TransStatus> actions) {
        if (!concurrent) {
            return step == 0 || actions.get(step - 1) == TransStatus.SUCCEED;
        }
        return orders.getOrDefault(step, NONE).stream().allMatch(pre -> actions.get(pre) == TransStatus.SUCCEED);
    }

    /**
     * Returns whether the compensation of {@code step} may start, given which steps count as rolled
     * back: every step that had to wait for this one's action must be rolled back first.
     */
    public boolean compensationRunnable(int step, boolean[] rolledBack) {
        if (!concurrent) {
            return step == steps - 1 || rolledBack[step + 1];
        }
        return dependents().getOrDefault(step, NONE).stream().allMatch(next -> rolledBack[next]);
    }

    /** Returns step → the steps that listed it as a prerequisite. */
    private Map<Integer, List<Integer>> dependents() {
        Map<Integer, List<Integer>> reverse = new HashMap<>();
        orders.forEach((step, pres) -> pres.forEach(
                pre -> reverse.computeIfAbsent(pre, k -> new ArrayList<>()).add(step)));
        return reverse;
    }
}
