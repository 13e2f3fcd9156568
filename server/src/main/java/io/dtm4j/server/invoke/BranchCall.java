package io.dtm4j.server.invoke;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One call from the coordinator to a business service.
 *
 * @param url the stored URL; the query parameters gid, trans_type, branch_id and op are added
 * @param protocol the transaction's protocol: {@code http} (or empty), {@code grpc}, {@code json-rpc}
 * @param body the payload bytes exactly as stored; empty means no body
 * @param post whether to POST; otherwise GET (dtm: POST when the body is non-empty or for xa)
 * @param headers sent after {@code Content-type: application/json}
 * @param maySend asked right before the request is written (after any wait for a connection): false
 *     once the round's claim may have passed to another round, and the call is then not made
 */
public record BranchCall(
        String url,
        String protocol,
        String gid,
        String transType,
        String branchId,
        String op,
        byte[] body,
        boolean post,
        Map<String, String> headers,
        Duration timeout,
        BooleanSupplier maySend) {}
