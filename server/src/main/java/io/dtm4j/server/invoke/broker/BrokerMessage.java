package io.dtm4j.server.invoke.broker;

import io.dtm4j.server.invoke.BranchCall;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a broker branch publishes: the step's payload and headers naming the branch
 * (docs/brokers.md#headers). The same branch always yields the same {@link #dedupKey}, so a
 * publish repeated after a crash can be dropped by the broker (JetStream) or by the consumer.
 *
 * @param headers the {@code dtm-*} headers, then the transaction's branch headers (e.g. traceparent)
 */
public record BrokerMessage(String gid, String dedupKey, Map<String, String> headers, byte[] body) {
    public static final String GID = "dtm-gid";
    public static final String BRANCH_ID = "dtm-branch-id";
    public static final String TRANS_TYPE = "dtm-trans-type";
    public static final String OP = "dtm-op";
    public static final String MSG_ID = "dtm-msg-id";

    public static BrokerMessage of(BranchCall call) {
        // gid, branch id and op identify a branch call within dtm; the trans type is implied by the gid
        String key = call.gid() + "/" + call.branchId() + "/" + call.op();
        Map<String, String> headers = new LinkedHashMap<>();
        call.headers().forEach((k, v) -> {
            if (!k.regionMatches(true, 0, "dtm-", 0, 4)) {
                headers.put(k, v);
            }
        });
        headers.put(GID, call.gid());
        headers.put(BRANCH_ID, call.branchId());
        headers.put(TRANS_TYPE, call.transType());
        headers.put(OP, call.op());
        headers.put(MSG_ID, key);
        return new BrokerMessage(call.gid(), key, Map.copyOf(headers), call.body());
    }
}
