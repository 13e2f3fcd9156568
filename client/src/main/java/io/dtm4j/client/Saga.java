package io.dtm4j.client;

import io.dtm4j.protocol.TransType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A saga: steps whose actions the server runs in order (or concurrently, respecting branch orders)
 * and, if one fails definitively, whose compensations it runs in reverse. Build it, then {@link
 * #submit()}; the server drives it from there.
 */
public final class Saga extends GlobalTransaction<Saga> {
    private final Map<Integer, List<Integer>> orders = new TreeMap<>();
    /** A saga carries its concurrency in custom_data; the top-level {@code concurrent} flag is the message's. */
    private boolean concurrentBranches;

    Saga(DtmClient dtm, String gid) {
        super(dtm, gid, TransType.SAGA);
    }

    /**
     * Adds a step: the server POSTs {@code payload} to {@code action}, and to {@code compensate} if
     * the saga rolls back.
     *
     * @param payload a JSON String or byte[] sent as it is, or an object written as JSON
     */
    public Saga add(String action, String compensate, Object payload) {
        Map<String, String> step = new LinkedHashMap<>();
        step.put("action", action);
        step.put("compensate", compensate);
        steps.add(step);
        payloads.add(dtm.encode(payload));
        return this;
    }

    /**
     * Runs the branches concurrently; {@link #addBranchOrder} then says which must wait for which.
     */
    public Saga enableConcurrent() {
        concurrentBranches = true;
        return this;
    }

    /**
     * Makes step {@code branch} (0-based, in the order of {@link #add}) start only after the steps
     * {@code preBranches} succeeded. Only meaningful with {@link #enableConcurrent()}.
     */
    public Saga addBranchOrder(int branch, int... preBranches) {
        List<Integer> before = orders.computeIfAbsent(branch, b -> new ArrayList<>());
        for (int pre : preBranches) {
            before.add(pre);
        }
        return this;
    }

    /**
     * Submits the saga. With {@link #waitResult(boolean) waitResult} the call returns once the saga
     * succeeded and throws {@link DtmFailureException} when it failed.
     */
    public void submit() {
        dtm.send("submit", this);
    }

    @Override
    String customData() {
        if (!concurrentBranches) {
            return customData;
        }
        Map<String, Object> custom = new LinkedHashMap<>();
        custom.put("orders", orders);
        custom.put("concurrent", true);
        return Json.write(custom);
    }
}
