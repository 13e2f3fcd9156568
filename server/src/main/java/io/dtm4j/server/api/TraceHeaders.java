package io.dtm4j.server.api;

import io.dtm4j.protocol.TraceContext;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Map;

/**
 * Reads the W3C trace context of gRPC calls (metadata {@code traceparent}, {@code tracestate}) for
 * the service that creates transactions (docs/observability.md#tracing); HTTP and JSON-RPC read
 * their request headers with {@link TraceContext#from} directly.
 */
public final class TraceHeaders {
    private static final Context.Key<Map<String, String>> GRPC = Context.key("dtm4j-trace-context");
    private static final Metadata.Key<String> PARENT =
            Metadata.Key.of(TraceContext.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> STATE =
            Metadata.Key.of(TraceContext.TRACESTATE, Metadata.ASCII_STRING_MARSHALLER);

    private TraceHeaders() {}

    /** The trace context of the gRPC call being served; empty when it carried none. */
    public static Map<String, String> grpcContext() {
        Map<String, String> context = GRPC.get();
        return context == null ? Map.of() : context;
    }

    /** Makes the trace metadata of each gRPC call available to the service ({@link #grpcContext}). */
    public static ServerInterceptor grpcInterceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                Map<String, String> context =
                        TraceContext.from(name -> headers.get(name.equals(TraceContext.TRACEPARENT) ? PARENT : STATE));
                if (context.isEmpty()) {
                    return next.startCall(call, headers);
                }
                return Contexts.interceptCall(Context.current().withValue(GRPC, context), call, headers, next);
            }
        };
    }
}
