package io.dtm4j.spring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.server.WebFilter;

/**
 * Micrometer meters of the SDK, when the application has a {@link MeterRegistry}:
 *
 * <ul>
 *   <li>{@value MeteredHttpClient#METER} (timer): calls of the auto-configured HTTP DtmClient, see
 *       {@link MeteredHttpClient};
 *   <li>{@value #BRANCH_METER} (timer): branch calls this application answered (requests whose query
 *       carries gid, trans_type and op), tags {@code trans_type}, {@code op}, {@code outcome}
 *       (success, failure, ongoing, error);
 *   <li>{@value #BARRIER_METER} (counter): barrier decisions of {@link DtmBarrier}, tags {@code
 *       trans_type}, {@code op}, {@code result} ({@code applied}: the business ran; {@code
 *       skipped}: repeated call, null compensation or hanging action).
 * </ul>
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        },
        before = {DtmClientAutoConfiguration.class, DtmBarrierAutoConfiguration.class})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public class DtmMetricsAutoConfiguration {
    static final String BRANCH_METER = "dtm4j.branch.requests";
    static final String BARRIER_METER = "dtm4j.barrier";

    /** Times the calls of the auto-configured HTTP DtmClient. */
    @Bean
    DtmClientAutoConfiguration.HttpClientDecorator dtmMeteredHttpClient(MeterRegistry registry) {
        return (http, serverUrl) -> new MeteredHttpClient(http, registry, serverUrl);
    }

    /** Counts the barrier's decisions. */
    @Bean
    DtmBarrier.BarrierObserver dtmBarrierMetrics(MeterRegistry registry) {
        return (branch, applied) -> Counter.builder(BARRIER_METER)
                .description("Decisions of the dtm4j barrier: applied (the business ran) or skipped")
                .tag("trans_type", branch.transType())
                .tag("op", branch.op())
                .tag("result", applied ? "applied" : "skipped")
                .register(registry)
                .increment();
    }

    static void recordBranch(MeterRegistry registry, Map<String, ?> query, int status, long nanos) {
        Timer.builder(BRANCH_METER)
                .description("Branch calls answered by this application")
                .tag("trans_type", first(query, "trans_type"))
                .tag("op", first(query, "op"))
                .tag("outcome", BranchHandlers.outcome(status))
                .register(registry)
                .record(java.time.Duration.ofNanos(nanos));
    }

    private static String first(Map<String, ?> query, String name) {
        String value = io.dtm4j.client.BranchIdentity.queryParam(query, name);
        return value.isEmpty() ? "unknown" : value;
    }

    /** Times branch calls in a servlet application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(OncePerRequestFilter.class)
    static class Servlet {
        @Bean
        OncePerRequestFilter dtmBranchMetricsFilter(MeterRegistry registry) {
            return new OncePerRequestFilter() {
                @Override
                protected void doFilterInternal(
                        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                        throws ServletException, IOException {
                    Map<String, String[]> query = request.getParameterMap();
                    if (!BranchHandlers.isBranchCall(query)) {
                        chain.doFilter(request, response);
                        return;
                    }
                    long start = System.nanoTime();
                    try {
                        chain.doFilter(request, response);
                    } finally {
                        recordBranch(registry, query, response.getStatus(), System.nanoTime() - start);
                    }
                }
            };
        }
    }

    /** Times branch calls in a WebFlux application. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnClass(WebFilter.class)
    static class Reactive {
        @Bean
        WebFilter dtmBranchMetricsWebFilter(MeterRegistry registry) {
            return (exchange, chain) -> {
                var query = exchange.getRequest().getQueryParams();
                if (!BranchHandlers.isBranchCall(query)) {
                    return chain.filter(exchange);
                }
                long start = System.nanoTime();
                return chain.filter(exchange)
                        .doOnSuccess(v -> {
                            var status = exchange.getResponse().getStatusCode();
                            recordBranch(
                                    registry, query, status == null ? 200 : status.value(), System.nanoTime() - start);
                        })
                        .doOnError(e ->
                                recordBranch(registry, query, BranchHandlers.statusFor(e), System.nanoTime() - start));
            };
        }
    }
}
