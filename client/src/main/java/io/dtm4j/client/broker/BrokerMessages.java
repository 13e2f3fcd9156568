package io.dtm4j.client.broker;

import io.dtm4j.client.BranchIdentity;
import java.util.Map;

/**
 * The headers the dtm4j server puts on every message of a broker branch (docs/brokers.md#headers),
 * and the branch they name. Header names are matched case-insensitively, since some clients change
 * their case.
 */
public final class BrokerMessages {
    /** The global transaction id. */
    public static final String GID = "dtm-gid";

    /** The branch id, e.g. {@code 01}, or {@code 01-02} for a topic's second subscriber. */
    public static final String BRANCH_ID = "dtm-branch-id";

    /** {@code msg} or {@code saga}. */
    public static final String TRANS_TYPE = "dtm-trans-type";

    /** {@code action}, or {@code compensate} for a saga's compensation. */
    public static final String OP = "dtm-op";

    /**
     * The deduplication key {@code gid/branch_id/op}: the same for every publish of one branch
     * operation (JetStream's {@code Nats-Msg-Id}, AMQP's {@code message-id}).
     */
    public static final String MSG_ID = "dtm-msg-id";

    private BrokerMessages() {}

    /**
     * The branch operation a message belongs to.
     *
     * @throws IllegalArgumentException naming the header that is missing or empty: the message was not
     *     published by a broker branch
     */
    public static BranchIdentity branchOf(Map<String, String> headers) {
        return new BranchIdentity(
                header(headers, TRANS_TYPE), header(headers, GID), header(headers, BRANCH_ID), header(headers, OP));
    }

    /** The deduplication key of a message, {@code gid/branch_id/op}, built from its headers. */
    public static String dedupKey(Map<String, String> headers) {
        BranchIdentity b = branchOf(headers);
        return b.gid() + "/" + b.branchId() + "/" + b.op();
    }

    private static String header(Map<String, String> headers, String name) {
        String value = headers.get(name);
        if (value == null) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    value = e.getValue();
                    break;
                }
            }
        }
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("the message has no " + name
                    + " header: only messages of dtm4j broker branches can go through the barrier (headers: "
                    + headers.keySet() + ")");
        }
        return value;
    }
}
