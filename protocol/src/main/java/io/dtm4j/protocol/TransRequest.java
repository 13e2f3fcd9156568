package io.dtm4j.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The body of prepare, submit, abort and prepareWorkflow: a global transaction as a client sends
 * it. Unknown keys (legacy {@code passthrough_headers}, {@code subType}, stored-only fields) are
 * ignored; absent keys are zero or empty.
 *
 * @param steps one map per step; keys {@code action}, {@code compensate} and legacy {@code data}
 * @param payloads the body sent with step i, usually JSON text
 * @param customData JSON text: saga concurrency and orders, msg delay, workflow name and input
 * @param queryPrepared msg check-back URL, or workflow resume callback URL
 * @param protocol {@code http} (also when empty), {@code grpc} or {@code json-rpc}
 * @param traceContext dtm4j only: the W3C trace context (traceparent, tracestate) of the call that
 *     created the transaction, sent on every branch call
 * @param reqExtra workflow submit: {@code status}, {@code rollback_reason}, {@code result}
 * @param binPayloads the raw step payloads of a gRPC request ({@code DtmRequest.BinPayloads}), used
 *     as they are instead of {@code payloads}; null for a JSON request (JSON cannot carry them)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record TransRequest(
        @JsonProperty("gid") String gid,
        @JsonProperty("trans_type") String transType,
        @JsonProperty("steps") List<Map<String, String>> steps,
        @JsonProperty("payloads") List<String> payloads,
        @JsonProperty("custom_data") String customData,
        @JsonProperty("query_prepared") String queryPrepared,
        @JsonProperty("protocol") String protocol,
        @JsonProperty("wait_result") boolean waitResult,
        @JsonProperty("timeout_to_fail") long timeoutToFail,
        @JsonProperty("request_timeout") long requestTimeout,
        @JsonProperty("retry_interval") long retryInterval,
        @JsonProperty("branch_headers") Map<String, String> branchHeaders,
        @JsonProperty("concurrent") boolean concurrent,
        @JsonProperty("retry_limit") long retryLimit,
        @JsonProperty("retry_count") long retryCount,
        @JsonProperty("park_after_retries") long parkAfterRetries,
        @JsonProperty("park_after_seconds") long parkAfterSeconds,
        @JsonProperty("trace_context") Map<String, String> traceContext,
        @JsonProperty("rollback_reason") String rollbackReason,
        @JsonProperty("req_extra") Map<String, String> reqExtra,
        @JsonIgnore List<byte[]> binPayloads) {

    public TransRequest {
        gid = gid == null ? "" : gid;
        transType = transType == null ? "" : transType;
        steps = steps == null ? List.of() : steps;
        payloads = payloads == null ? List.of() : payloads;
        customData = customData == null ? "" : customData;
        queryPrepared = queryPrepared == null ? "" : queryPrepared;
        protocol = protocol == null ? "" : protocol;
        branchHeaders = branchHeaders == null ? Map.of() : branchHeaders;
        rollbackReason = rollbackReason == null ? "" : rollbackReason;
        reqExtra = reqExtra == null ? Map.of() : reqExtra;
        traceContext = traceContext == null ? Map.of() : traceContext;
        binPayloads = binPayloads == null ? null : List.copyOf(binPayloads);
    }

    /** Returns the options this request carries, in the form dtm stores them. */
    public TransOptions options() {
        return new TransOptions(
                waitResult,
                timeoutToFail,
                requestTimeout,
                retryInterval,
                branchHeaders,
                concurrent,
                retryLimit,
                retryCount,
                parkAfterRetries,
                parkAfterSeconds,
                traceContext);
    }

    /** Returns this request with the trace context of the call that carried it (unless it has one). */
    public TransRequest withTraceContext(Map<String, String> context) {
        if (context.isEmpty() || !traceContext.isEmpty()) {
            return this;
        }
        return new TransRequest(
                gid,
                transType,
                steps,
                payloads,
                customData,
                queryPrepared,
                protocol,
                waitResult,
                timeoutToFail,
                requestTimeout,
                retryInterval,
                branchHeaders,
                concurrent,
                retryLimit,
                retryCount,
                parkAfterRetries,
                parkAfterSeconds,
                context,
                rollbackReason,
                reqExtra,
                binPayloads);
    }
}
