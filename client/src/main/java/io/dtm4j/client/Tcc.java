package io.dtm4j.client;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A TCC global transaction: the application calls each branch's try itself, and the server then
 * calls every confirm (in reverse order) if all tries succeeded, or every cancel if the application
 * gave up. Obtain one through {@link DtmClient#tccGlobalTransaction(String, Body)}, which prepares,
 * runs the body and submits (or aborts), or in a try handler through {@link #fromQuery} to nest
 * branches under the current one.
 *
 * <pre>{@code
 * dtm.tccGlobalTransaction(gid, tcc -> {
 *     tcc.callBranch(Map.of("amount", 30), busi + "/TransOut", busi + "/TransOutConfirm", busi + "/TransOutRevert");
 *     tcc.callBranch(Map.of("amount", 30), busi + "/TransIn", busi + "/TransInConfirm", busi + "/TransInRevert");
 * });
 * }</pre>
 */
public final class Tcc extends GlobalTransaction<Tcc> {

    /** The body of a TCC global transaction: calls its branches. Throwing makes the transaction abort. */
    @FunctionalInterface
    public interface Body {
        /** Calls the branches of {@code tcc} with {@link Tcc#callBranch}. */
        void run(Tcc tcc) throws Exception;
    }

    private final BranchIds branchIds;

    Tcc(DtmClient dtm, String gid, String parentBranchId) {
        super(dtm, gid, TransType.TCC);
        this.branchIds = new BranchIds(parentBranchId);
    }

    /**
     * Returns a TCC that adds sub-branches to the transaction of an incoming try request, under the
     * request's branch: query parameters {@code gid} (required) and {@code branch_id} (the parent
     * id), as any web framework hands them over (strings, lists or arrays of strings). It talks to
     * the server through {@code dtm}, which should be the server named by the query's {@code dtm}.
     *
     * @throws IllegalArgumentException when {@code gid} is missing
     */
    public static Tcc fromQuery(DtmClient dtm, Map<String, ?> query) {
        Objects.requireNonNull(dtm, "dtm");
        String gid = BranchIdentity.queryParam(query, "gid");
        if (gid.isEmpty()) {
            throw new IllegalArgumentException("a nested TCC needs the query parameter 'gid'; got " + query.keySet());
        }
        return new Tcc(dtm, gid, BranchIdentity.queryParam(query, "branch_id"));
    }

    /**
     * Returns a TCC that adds sub-branches under the branch of an incoming gRPC try call, read from
     * its metadata ({@code dtm-gid}, {@code dtm-branch_id}; see {@link GrpcBranch#metadata()}). It
     * talks to the server through {@code dtm}, usually {@code DtmClient.grpc(GrpcBranch.dtmServer())}.
     *
     * @throws IllegalArgumentException when the metadata does not name a branch
     */
    public static Tcc fromGrpcMetadata(DtmClient dtm, io.grpc.Metadata metadata) {
        Objects.requireNonNull(dtm, "dtm");
        BranchIdentity parent = BranchIdentity.fromGrpcMetadata(metadata);
        return new Tcc(dtm, parent.gid(), parent.branchId());
    }

    /**
     * Like {@link #fromQuery(DtmClient, Map)} with a new client for the server named by the query
     * parameter {@code dtm}. Each call creates an HTTP client; a service that nests often should
     * keep a {@link DtmClient} and use the other overload.
     *
     * @throws IllegalArgumentException when {@code dtm} or {@code gid} is missing
     */
    public static Tcc fromQuery(Map<String, ?> query) {
        String server = BranchIdentity.queryParam(query, "dtm");
        if (server.isEmpty()) {
            throw new IllegalArgumentException("a nested TCC needs the query parameter 'dtm'; got " + query.keySet());
        }
        return fromQuery(DtmClient.of(server), query);
    }

    /** The id under which this transaction's branches are numbered: {@code ""} for the application's own. */
    public String parentBranchId() {
        return branchIds.parentId();
    }

    /**
     * Registers a new branch with the server, then calls its try: POSTs {@code body} to {@code
     * tryUrl} with the branch identity and the branch headers. The server later POSTs the same body
     * to {@code confirmUrl} or {@code cancelUrl} (an empty URL is skipped).
     *
     * @param body a JSON String or byte[] sent as it is, or an object written as JSON; over gRPC a
     *     protobuf message or byte[]
     * @return the try's response body (over gRPC: the reply message's bytes as UTF-8 text)
     * @throws DtmFailureException when the try answers FAILURE; {@link DtmOngoingException} or
     *     {@link DtmException} for the other outcomes, or when the server refuses the branch (e.g.
     *     because the transaction timed out and is no longer prepared). The branch is registered
     *     whatever the try answered, so the server cancels it if the transaction aborts.
     */
    public String callBranch(Object body, String tryUrl, String confirmUrl, String cancelUrl) {
        Objects.requireNonNull(tryUrl, "tryUrl");
        byte[] data = dtm.encode(body);
        String branchId = branchIds.next();
        Map<String, String> branch = new LinkedHashMap<>();
        branch.put("gid", gid);
        branch.put("trans_type", type.wire());
        branch.put("branch_id", branchId);
        branch.put("status", "prepared");
        branch.put(Ops.CONFIRM, confirmUrl == null ? "" : confirmUrl);
        branch.put(Ops.CANCEL, cancelUrl == null ? "" : cancelUrl);
        dtm.registerBranch(branch, data);
        byte[] reply = caller().invokeBranch(
                        tryUrl, new BranchIdentity(type.wire(), gid, branchId, Ops.TRY), Map.of(), data, branchHeaders);
        return utf8(reply);
    }

    /** Prepares, runs {@code body}, then submits; aborts with the error as rollback reason if it throws. */
    static void run(DtmClient dtm, String gid, Consumer<Tcc> customize, Body body) {
        Objects.requireNonNull(body, "body");
        Tcc tcc = new Tcc(dtm, gid, "");
        customize.accept(tcc);
        dtm.send("prepare", tcc);
        try {
            body.run(tcc);
        } catch (Exception e) {
            tcc.rollbackReason = e.getMessage() == null ? e.toString() : e.getMessage();
            abortAfter(e, () -> dtm.send("abort", tcc));
            throw rethrowable(e, "tcc " + gid);
        }
        dtm.send("submit", tcc);
    }
}
