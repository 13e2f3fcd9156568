package io.dtm4j.client;

import io.grpc.Metadata;
import java.util.List;
import java.util.Map;

/**
 * Which branch operation a request belongs to: the four values the server (or the application
 * that started the transaction) puts into every branch call, as query parameters over HTTP and as
 * {@code dtm-*} metadata over gRPC.
 *
 * @param transType {@code saga}, {@code msg}, {@code tcc}, {@code xa} or {@code workflow}
 * @param gid the global transaction id
 * @param branchId the branch id, e.g. {@code 01}
 * @param op the operation, e.g. {@code action}, {@code compensate}, {@code try}, {@code cancel}
 */
public record BranchIdentity(String transType, String gid, String branchId, String op) {

    /**
     * Removes {@code \n}, {@code \r} and {@code ;} from the four values, as dtm does.
     *
     * @throws IllegalArgumentException when one of them is null or empty
     */
    public BranchIdentity {
        transType = clean(transType);
        gid = clean(gid);
        branchId = clean(branchId);
        op = clean(op);
        if (transType.isEmpty() || gid.isEmpty() || branchId.isEmpty() || op.isEmpty()) {
            throw new IllegalArgumentException("invalid branch identity: trans_type '" + transType + "', gid '" + gid
                    + "', branch_id '" + branchId + "', op '" + op + "' must all be non-empty");
        }
    }

    /**
     * Reads {@code trans_type}, {@code gid}, {@code branch_id} and {@code op} from query parameters,
     * as any web framework hands them over: values may be strings or lists of strings (the first is
     * used).
     *
     * @throws IllegalArgumentException when one of them is missing or empty
     */
    public static BranchIdentity fromQuery(Map<String, ?> query) {
        return new BranchIdentity(
                queryParam(query, "trans_type"),
                queryParam(query, "gid"),
                queryParam(query, "branch_id"),
                queryParam(query, "op"));
    }

    /**
     * Reads {@code dtm-trans_type}, {@code dtm-gid}, {@code dtm-branch_id} and {@code dtm-op} from
     * the metadata of an incoming gRPC call (see {@link GrpcBranch} for how a handler gets it).
     *
     * @throws IllegalArgumentException when one of them is missing or empty
     */
    public static BranchIdentity fromGrpcMetadata(Metadata metadata) {
        return new BranchIdentity(
                ascii(metadata, "dtm-trans_type"),
                ascii(metadata, "dtm-gid"),
                ascii(metadata, "dtm-branch_id"),
                ascii(metadata, "dtm-op"));
    }

    private static String ascii(Metadata metadata, String key) {
        return metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }

    /**
     * Returns the first value of the query parameter {@code name}, or an empty string: values may
     * be strings, lists or arrays of strings, as web frameworks hand them over.
     */
    public static String queryParam(Map<String, ?> query, String name) {
        Object value = query.get(name);
        if (value instanceof List<?> list) {
            value = list.isEmpty() ? null : list.get(0);
        } else if (value instanceof String[] array) {
            value = array.length == 0 ? null : array[0];
        }
        return value == null ? "" : value.toString();
    }

    /** dtm strips these characters from identities so they cannot break headers or keys. */
    private static String clean(String value) {
        return value == null ? "" : value.replace("\n", "").replace("\r", "").replace(";", "");
    }
}
