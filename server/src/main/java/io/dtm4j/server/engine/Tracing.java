package io.dtm4j.server.engine;

import io.dtm4j.protocol.TraceContext;
import io.dtm4j.server.config.ServerConfig.TracingConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The server's spans (docs/observability.md#tracing): one per round, a child of the trace context the
 * transaction keeps from its creating call, and one per branch call, whose context the call carries
 * so that the business service's spans are its children. Unless OTEL_TRACES_EXPORTER (or the system
 * property otel.traces.exporter) names an exporter, the tracer is a no-op: no span is made, and calls
 * carry the kept context unchanged. With store events on, each store write made while a round's
 * span is current is an event of it (see TimedStore).
 */
public final class Tracing implements AutoCloseable {
    /** No spans. */
    public static final Tracing OFF = new Tracing(OpenTelemetry.noop(), false);

    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> FROM_MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final OpenTelemetry otel;
    private final Tracer tracer;
    /** False for the no-op: rounds and calls then skip even building a no-op span. */
    private final boolean on;

    private final boolean storeEvents;

    /**
     * @param storeEvents whether the store writes of a round become events of its span
     */
    public Tracing(OpenTelemetry otel, boolean storeEvents) {
        this.otel = otel;
        this.tracer = otel.getTracer("io.dtm4j.server");
        this.on = otel != OpenTelemetry.noop();
        this.storeEvents = on && storeEvents;
    }

    /** Whether spans are made (an exporter is named). */
    public boolean isOn() {
        return on;
    }

    /** Whether store writes are recorded as events of the current span. */
    public boolean storeEvents() {
        return storeEvents;
    }

    /**
     * Spans exported as {@code Tracing.*} says, the standard OTEL_* variables (and otel.* system
     * properties) overriding it, with service name dtm4j unless OTEL_SERVICE_NAME says otherwise;
     * {@link #OFF} when no traces exporter is named.
     */
    public static Tracing from(TracingConfig config) {
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", "dtm4j");
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        defaults.put("otel.traces.exporter", config.exporter());
        defaults.put("otel.exporter.otlp.protocol", config.protocol());
        if (!config.endpoint().isEmpty()) {
            defaults.put("otel.exporter.otlp.endpoint", config.endpoint());
        }
        if (config.sampleRatio() < 1) {
            defaults.put("otel.traces.sampler", "parentbased_traceidratio");
            defaults.put("otel.traces.sampler.arg", String.valueOf(config.sampleRatio()));
        }
        String exporter = System.getProperty(
                "otel.traces.exporter", Objects.requireNonNullElse(System.getenv("OTEL_TRACES_EXPORTER"), ""));
        if (exporter.isBlank()) {
            exporter = config.exporter();
        }
        if (exporter.trim().equals("none")) {
            return OFF;
        }
        return new Tracing(
                AutoConfiguredOpenTelemetrySdk.builder()
                        .addPropertiesSupplier(() -> defaults)
                        .disableShutdownHook()
                        .build()
                        .getOpenTelemetrySdk(),
                config.storeEvents());
    }

    /** Starts the span of a round of {@code t}, under the context the transaction keeps. */
    Span round(ActiveTrans t) {
        if (!on) {
            return Span.getInvalid();
        }
        Context parent = W3C.extract(Context.root(), t.options().traceContext(), FROM_MAP);
        return tracer.spanBuilder("dtm4j round " + t.type().wire())
                .setParent(parent)
                .setAttribute("dtm.gid", t.gid())
                .setAttribute("dtm.trans_type", t.type().wire())
                .setAttribute("dtm.status_before", t.status().wire())
                .startSpan();
    }

    /**
     * Starts the span of one call of a round ({@code url} without its query, which may hold secrets;
     * {@code retries}: the transaction's consecutive failures so far).
     */
    Span call(Span round, String op, String branchId, String url, int retries) {
        if (!on) {
            return Span.getInvalid();
        }
        int query = url.indexOf('?');
        return tracer.spanBuilder("dtm4j call " + op)
                .setParent(Context.root().with(round))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("dtm.op", op)
                .setAttribute("dtm.branch_id", branchId)
                .setAttribute("url.full", query < 0 ? url : url.substring(0, query))
                .setAttribute("dtm.retry_count", retries)
                .startSpan();
    }

    /** Ends a call span with the call's outcome ({@code error}, failure…). */
    static void end(Span span, String outcome) {
        span.setAttribute("dtm.outcome", outcome);
        if (outcome.equals("error")) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /**
     * Returns {@code headers} with the trace headers that make the receiver a child of {@code span};
     * unchanged when there is no span (tracing off).
     */
    static Map<String, String> carrying(Map<String, String> headers, Span span) {
        if (!span.getSpanContext().isValid()) {
            return headers;
        }
        Map<String, String> merged = new LinkedHashMap<>(headers);
        merged.remove(TraceContext.TRACESTATE); // the kept one belongs to the caller's span
        W3C.inject(Context.root().with(span), merged, Map::put);
        return merged;
    }

    @Override
    public void close() {
        if (otel instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                // spans not flushed at shutdown are lost; the transactions are not affected
            }
        }
    }
}
