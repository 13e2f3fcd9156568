package io.dtm4j.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The per-transaction options, as dtm stores them in the {@code options} column: every field is
 * omitted when zero or empty except {@code concurrent}, e.g. {@code
 * {"wait_result":true,"timeout_to_fail":2,"concurrent":false}}.
 *
 * @param timeoutToFail seconds after creation when the transaction times out; 0 = server default
 * @param requestTimeout seconds per branch call; 0 = server default
 * @param retryInterval base retry interval in seconds; 0 = server default rules
 * @param retryLimit immediate in-round retries of a saga action; 0 = none
 * @param retryCount starting value of the saga retry counter
 * @param parkAfterRetries dtm4j only: consecutive failures after which the transaction is parked; 0 =
 *     server default ({@code ParkAfterRetries})
 * @param parkAfterSeconds dtm4j only: age after which a failing transaction is parked; 0 = server
 *     default ({@code ParkAfterSeconds})
 * @param traceContext dtm4j only: W3C traceparent and tracestate of the creating call, sent on every
 *     branch call
 */
@JsonPropertyOrder({
    "wait_result",
    "timeout_to_fail",
    "request_timeout",
    "retry_interval",
    "branch_headers",
    "concurrent",
    "retry_limit",
    "retry_count",
    "park_after_retries",
    "park_after_seconds",
    "trace_context"
})
public record TransOptions(
        @JsonProperty("wait_result") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        boolean waitResult,

        @JsonProperty("timeout_to_fail") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long timeoutToFail,

        @JsonProperty("request_timeout") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long requestTimeout,

        @JsonProperty("retry_interval") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long retryInterval,

        @JsonProperty("branch_headers") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, String> branchHeaders,

        @JsonProperty("concurrent") boolean concurrent,

        @JsonProperty("retry_limit") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long retryLimit,

        @JsonProperty("retry_count") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long retryCount,

        @JsonProperty("park_after_retries") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long parkAfterRetries,

        @JsonProperty("park_after_seconds") @JsonInclude(JsonInclude.Include.NON_DEFAULT)
        long parkAfterSeconds,

        @JsonProperty("trace_context") @JsonInclude(JsonInclude.Include.NON_EMPTY)
        Map<String, String> traceContext) {

    /** Options with every field at its zero value. */
    public static final TransOptions NONE = new TransOptions(false, 0, 0, 0, Map.of(), false, 0, 0, 0, 0, Map.of());

    public TransOptions {
        branchHeaders = branchHeaders == null ? Map.of() : Map.copyOf(branchHeaders);
        traceContext = traceContext == null ? Map.of() : Map.copyOf(traceContext);
    }
}
