package io.dtm4j.client;

import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An XA global transaction, application side: each branch is a local transaction that a resource
 * manager runs and leaves prepared in its database (see {@link io.dtm4j.client.xa.XaLocalTransaction}),
 * registering itself with the server; the server then commits every branch if the application
 * submits, or rolls them back if it aborts. Obtain one through {@link
 * DtmClient#xaGlobalTransaction(String, Body)}.
 *
 * <pre>{@code
 * dtm.xaGlobalTransaction(gid, xa -> {
 *     xa.callBranch(Map.of("amount", 30), busi + "/TransOutXa");
 *     xa.callBranch(Map.of("amount", 30), busi + "/TransInXa");
 * });
 * }</pre>
 */
public final class Xa extends GlobalTransaction<Xa> {

    /** The body of an XA global transaction: calls its branches. Throwing makes the transaction abort. */
    @FunctionalInterface
    public interface Body {
        /** Calls the branches of {@code xa} with {@link Xa#callBranch}. */
        void run(Xa xa) throws Exception;
    }

    private final BranchIds branchIds = new BranchIds("");

    Xa(DtmClient dtm, String gid) {
        super(dtm, gid, TransType.XA);
    }

    /**
     * Calls a branch: POSTs {@code body} to {@code url} with the branch identity (op {@code action}),
     * {@code phase2_url} = {@code url} and the branch headers. The resource manager runs its local
     * transaction, registers the branch and leaves it prepared; the server later POSTs to the same
     * URL with op {@code commit} or {@code rollback}.
     *
     * @param body a JSON String or byte[] sent as it is, or an object written as JSON; over gRPC a
     *     protobuf message or byte[]
     * @return the response body of the resource manager (over gRPC: the reply's bytes as UTF-8 text)
     * @throws DtmFailureException when the branch answers FAILURE; {@link DtmOngoingException} or
     *     {@link DtmException} for the other outcomes. The branch may have been prepared and
     *     registered even then (e.g. when the answer was lost), so the transaction must abort.
     */
    public String callBranch(Object body, String url) {
        Objects.requireNonNull(url, "url");
        String branchId = branchIds.next();
        byte[] reply = caller().invokeBranch(
                        url,
                        new BranchIdentity(type.wire(), gid, branchId, Ops.ACTION),
                        Map.of("phase2_url", url),
                        dtm.encode(body),
                        branchHeaders);
        return utf8(reply);
    }

    /** Prepares, runs {@code body}, then submits; aborts if it throws. */
    static void run(DtmClient dtm, String gid, Consumer<Xa> customize, Body body) {
        Objects.requireNonNull(body, "body");
        Xa xa = new Xa(dtm, gid);
        customize.accept(xa);
        dtm.send("prepare", xa);
        try {
            body.run(xa);
        } catch (Exception e) {
            abortAfter(e, () -> dtm.send("abort", xa));
            throw rethrowable(e, "xa " + gid);
        }
        dtm.send("submit", xa);
    }
}
