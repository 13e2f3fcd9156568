package io.dtm4j.client;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The W3C trace context between a Java service and dtm4j (docs/observability.md#tracing). The SDK
 * sends the caller's current OpenTelemetry context ({@code traceparent}, {@code tracestate}) with
 * every request to the server and with the branch calls it makes itself, so the server's rounds
 * and calls join the caller's trace. A branch handler joins the trace the server's call carries:
 * gRPC handlers behind {@link GrpcBranch#interceptor()} do with no code, an HTTP handler with one
 * line:
 *
 * <pre>{@code
 * try (Scope scope = Traces.join(exchange.getRequestHeaders()::getFirst)) {
 *     // spans started here are children of the server's call
 * }
 * }</pre>
 *
 * Without an OpenTelemetry SDK or agent in the application there is no current span: nothing is
 * sent, and joining makes a context without a span current, which changes nothing.
 */
public final class Traces {
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private Traces() {}

    /** The headers carrying the current context; empty when there is no valid current span. */
    public static Map<String, String> current() {
        Map<String, String> headers = new LinkedHashMap<>(2);
        W3C.inject(Context.current(), headers, Map::put);
        return headers;
    }

    /**
     * The context an incoming call carries, on top of the current one.
     *
     * @param header a request's header by (lower-case) name, e.g. {@code
     *     exchange.getRequestHeaders()::getFirst}; null when absent
     */
    public static Context extract(Function<String, String> header) {
        return W3C.extract(Context.current(), header, HEADERS);
    }

    /** Makes the context of an incoming call current until the scope closes (see the class comment). */
    public static Scope join(Function<String, String> header) {
        return extract(header).makeCurrent();
    }
}
