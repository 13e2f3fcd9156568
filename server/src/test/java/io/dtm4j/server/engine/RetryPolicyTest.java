package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.protocol.TransOptions;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.testing.Configs;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final ServerConfig config = ServerConfig.defaults(); // RetryInterval 10, TimeoutToFail 35, cap 3600
    private final RetryPolicy policy = new RetryPolicy(config);

    private static TransOptions options(long timeoutToFail, long retryInterval) {
        return new TransOptions(false, timeoutToFail, 0, retryInterval, Map.of(), false, 0, 0, 0, 0, Map.of());
    }

    @Test
    void resetIntervalPrefersTheTransactionsOwnRetryInterval() {
        assertThat(policy.resetInterval(options(0, 150))).isEqualTo(150);
    }

    @Test
    void resetIntervalUsesAShortTimeoutToFailBelowTheServerRetryInterval() {
        assertThat(policy.resetInterval(options(2, 0))).isEqualTo(2);
        assertThat(policy.resetInterval(options(60, 0))).isEqualTo(10);
        assertThat(policy.resetInterval(TransOptions.NONE)).isEqualTo(10);
    }

    @Test
    void backoffDoublesUpToTheCap() {
        assertThat(policy.backoff(10)).isEqualTo(20);
        assertThat(policy.backoff(2000)).isEqualTo(3600);
        assertThat(policy.backoff(3600)).isEqualTo(3600);
    }

    @Test
    void backoffNeverShrinksAnIntervalAlreadyAboveTheCap() {
        assertThat(policy.backoff(7200)).isEqualTo(7200);
    }

    @Test
    void backoffIsUnboundedWhenTheCapIsZeroAsInDtm() {
        var uncapped = new RetryPolicy(Configs.maxRetryInterval(config, 0));
        assertThat(uncapped.backoff(1L << 40)).isEqualTo(1L << 41);
        assertThat(uncapped.backoff(Long.MAX_VALUE - 1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void sagasWithoutTheirOwnTimeoutNeverTimeOutButOtherTypesUseTheServerDefault() {
        assertThat(policy.effectiveTimeout(TransType.SAGA, TransOptions.NONE)).isZero();
        assertThat(policy.effectiveTimeout(TransType.MSG, TransOptions.NONE)).isEqualTo(35);
        assertThat(policy.effectiveTimeout(TransType.SAGA, options(1800, 0))).isEqualTo(1800);
    }

    @Test
    void aTransactionTimesOutExactlyWhenItsTimeoutHasElapsed() {
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        var msg = new GlobalTrans(
                1,
                "g",
                TransType.MSG,
                TransStatus.PREPARED,
                "",
                "http",
                created,
                created,
                null,
                null,
                "",
                "",
                10,
                created,
                "",
                "",
                "",
                "");
        assertThat(policy.isTimedOut(msg, TransOptions.NONE, created.plusSeconds(34)))
                .isFalse();
        assertThat(policy.isTimedOut(msg, TransOptions.NONE, created.plusSeconds(35)))
                .isTrue();
    }

    @Test
    void consecutiveFailuresAreTheNumberOfDoublings() {
        assertThat(RetryPolicy.consecutiveFailures(10, 10)).isZero();
        assertThat(RetryPolicy.consecutiveFailures(20, 10)).isEqualTo(1);
        assertThat(RetryPolicy.consecutiveFailures(80, 10)).isEqualTo(3);
        assertThat(RetryPolicy.consecutiveFailures(5, 10)).isZero();
    }
}
