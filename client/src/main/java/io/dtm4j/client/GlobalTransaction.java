package io.dtm4j.client;

import io.dtm4j.protocol.TransType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every global transaction has: its id, the server it belongs to, and the options, set
 * fluently. Zero and empty options are not sent, so the server's defaults apply.
 *
 * @param <T> the transaction type, returned by every setter
 */
public abstract class GlobalTransaction<T extends GlobalTransaction<T>> {
    final DtmClient dtm;
    final String gid;
    final TransType type;
    boolean waitResult;
    long timeoutToFail;
    long requestTimeout;
    long retryInterval;
    long retryLimit;
    final Map<String, String> branchHeaders = new LinkedHashMap<>();

    String customData = "";
    String queryPrepared = "";
    String rollbackReason = "";
    boolean concurrent;
    final List<Map<String, String>> steps = new ArrayList<>();
    /** The encoded step payloads: JSON text over HTTP, message bytes over gRPC. */
    final List<byte[]> payloads = new ArrayList<>();

    GlobalTransaction(DtmClient dtm, String gid, TransType type) {
        this.dtm = Objects.requireNonNull(dtm, "dtm");
        this.gid = Objects.requireNonNull(gid, "gid");
        this.type = type;
        this.branchHeaders.putAll(dtm.branchHeaders());
    }

    /** The global transaction id. */
    public String gid() {
        return gid;
    }

    /** The client this transaction talks through. */
    public DtmClient dtm() {
        return dtm;
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    /** Makes submit wait until the transaction is processed and report its outcome. */
    public T waitResult(boolean waitResult) {
        this.waitResult = waitResult;
        return self();
    }

    /** Seconds after which an unfinished transaction fails (saga, TCC, XA) or is checked back (msg). */
    public T timeoutToFail(long seconds) {
        this.timeoutToFail = requireNonNegative(seconds, "timeoutToFail");
        return self();
    }

    /** Seconds the server waits for each branch call. */
    public T requestTimeout(long seconds) {
        this.requestTimeout = requireNonNegative(seconds, "requestTimeout");
        return self();
    }

    /** Base seconds between retries of a failing branch (doubled after each error). */
    public T retryInterval(long seconds) {
        this.retryInterval = requireNonNegative(seconds, "retryInterval");
        return self();
    }

    /** How many times a failing saga action is retried at once before the saga gives up (saga only). */
    public T retryLimit(long limit) {
        this.retryLimit = requireNonNegative(limit, "retryLimit");
        return self();
    }

    /** Adds a header sent with every branch call (gRPC: metadata; use lowercase names). */
    public T branchHeader(String name, String value) {
        branchHeaders.put(name, value);
        return self();
    }

    /** The request body of prepare, submit and abort, with the omission rules of dtm's SDKs. */
    Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", type.wire());
        body.put("protocol", "");
        body.put("concurrent", concurrent);
        putIf(body, "custom_data", customData(), !customData().isEmpty());
        putIf(body, "wait_result", waitResult, waitResult);
        putIf(body, "timeout_to_fail", timeoutToFail, timeoutToFail != 0);
        putIf(body, "request_timeout", requestTimeout, requestTimeout != 0);
        putIf(body, "retry_interval", retryInterval, retryInterval != 0);
        putIf(body, "branch_headers", Map.copyOf(branchHeaders), !branchHeaders.isEmpty());
        putIf(body, "retry_limit", retryLimit, retryLimit != 0);
        putIf(body, "steps", List.copyOf(steps), !steps.isEmpty());
        putIf(body, "payloads", payloads.stream().map(GlobalTransaction::utf8).toList(), !payloads.isEmpty());
        putIf(body, "query_prepared", queryPrepared, !queryPrepared.isEmpty());
        putIf(body, "rollback_reason", rollbackReason, !rollbackReason.isEmpty());
        return body;
    }

    /** The custom data to send; a saga derives its own from its branch orders. */
    String customData() {
        return customData;
    }

    static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static void putIf(Map<String, Object> body, String key, Object value, boolean present) {
        if (present) {
            body.put(key, value);
        }
    }

    private static long requireNonNegative(long value, String name) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
        return value;
    }

    /** The client for calls made on behalf of a transaction: its request timeout, when set, bounds each call. */
    DtmClient caller() {
        return requestTimeout > 0 ? dtm.withTimeout(Duration.ofSeconds(requestTimeout)) : dtm;
    }

    /** Aborts after {@code cause}; a failing abort is attached to it, as the cause is what the caller needs. */
    static void abortAfter(Exception cause, Runnable abort) {
        try {
            abort.run();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** Returns {@code e} itself when unchecked, else a {@link DtmException} wrapping it. */
    static RuntimeException rethrowable(Exception e, String what) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return e instanceof RuntimeException re ? re : new DtmException(what + " aborted: " + e, e);
    }
}
