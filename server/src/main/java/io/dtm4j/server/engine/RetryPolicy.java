package io.dtm4j.server.engine;

import io.dtm4j.protocol.TransOptions;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.store.GlobalTrans;
import java.time.Duration;
import java.time.Instant;

/**
 * Retry and timeout arithmetic (docs/protocol.md §9): plain functions of options, config and time.
 */
public final class RetryPolicy {
    private final ServerConfig config;

    public RetryPolicy(ServerConfig config) {
        this.config = config;
    }

    /** Returns the base interval a transaction starts with and returns to after a success. */
    public long resetInterval(TransOptions options) {
        if (options.retryInterval() > 0) {
            return options.retryInterval();
        }
        if (options.timeoutToFail() > 0 && options.timeoutToFail() < config.retryInterval()) {
            return options.timeoutToFail();
        }
        return config.retryInterval();
    }

    /** Returns the doubled interval after a transient error, capped by MaxRetryInterval when set. */
    public long backoff(long interval) {
        long doubled = interval > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : interval * 2;
        long cap = config.maxRetryInterval();
        return cap > 0 ? Math.max(interval, Math.min(doubled, cap)) : doubled;
    }

    /** Returns the timeout in seconds, or 0 when the transaction never times out. */
    public long effectiveTimeout(TransType type, TransOptions options) {
        if (options.timeoutToFail() > 0) {
            return options.timeoutToFail();
        }
        return type == TransType.SAGA || type == TransType.WORKFLOW ? 0 : config.timeoutToFail();
    }

    public boolean isTimedOut(GlobalTrans global, TransOptions options, Instant now) {
        long timeout = effectiveTimeout(global.transType(), options);
        return timeout > 0 && !now.isBefore(global.createTime().plusSeconds(timeout));
    }

    /** Returns how many consecutive failures an interval means: floor(log2(interval / reset)). */
    public static int consecutiveFailures(long interval, long resetInterval) {
        if (resetInterval <= 0 || interval < resetInterval) {
            return 0;
        }
        return 63 - Long.numberOfLeadingZeros(interval / resetInterval);
    }

    /**
     * Returns why a transaction that has just failed {@code failures} times in a row is parked, or
     * null while its budget lasts: its own options' budget, else the server's (ParkAfterRetries,
     * ParkAfterSeconds); either limit, when set, is enough.
     */
    public String parkReason(GlobalTrans g, TransOptions options, int failures, Instant now) {
        long retries = options.parkAfterRetries() > 0
                ? options.parkAfterRetries()
                : config.parking().afterRetries();
        long seconds = options.parkAfterSeconds() > 0
                ? options.parkAfterSeconds()
                : config.parking().afterSeconds();
        if (retries > 0 && failures >= retries) {
            return failures + " consecutive failures (budget " + retries + ")";
        }
        long age = Duration.between(g.createTime(), now).toSeconds();
        if (seconds > 0 && age >= seconds) {
            return "still failing " + age + " s after creation (budget " + seconds + " s)";
        }
        return null;
    }

    /** Returns the timeout of one branch call. */
    public Duration requestTimeout(TransOptions options) {
        return Duration.ofSeconds(options.requestTimeout() > 0 ? options.requestTimeout() : config.requestTimeout());
    }
}
