package io.dtm4j.client;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.opentelemetry.context.Scope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gives gRPC business handlers the {@code dtm-*} metadata of the call they serve (docs/protocol.md §5.3),
 * which gRPC-Java keeps away from service implementations: install {@link #interceptor()} on
 * the server, then read {@link #identity()} in the handler, e.g. for {@code
 * BranchBarrier.of(GrpcBranch.identity())}.
 *
 * <pre>{@code
 * Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
 *     .addService(ServerInterceptors.intercept(new BusiService(), GrpcBranch.interceptor()))
 *     .build();
 * }</pre>
 */
public final class GrpcBranch {
    private static final Context.Key<Metadata> METADATA = Context.key("dtm4j-grpc-metadata");
    private static final String PREFIX = "dtm-";
    private static final Metadata.Key<String> DTM = Metadata.Key.of("dtm-dtm", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcBranch() {}

    /**
     * A server interceptor that makes each call's metadata available to {@link #metadata()}, and the
     * trace context it carries ({@code traceparent}, see {@link Traces}) current in the handler.
     */
    public static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                io.opentelemetry.context.Context trace =
                        Traces.extract(key -> headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
                ServerCall.Listener<Q> listener =
                        Contexts.interceptCall(Context.current().withValue(METADATA, headers), call, headers, next);
                return trace == io.opentelemetry.context.Context.current() ? listener : new InTrace<>(listener, trace);
            }
        };
    }

    /** Runs every callback of a call (the handler's business among them) with the call's trace current. */
    private static final class InTrace<Q> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final io.opentelemetry.context.Context trace;

        InTrace(ServerCall.Listener<Q> listener, io.opentelemetry.context.Context trace) {
            super(listener);
            this.trace = trace;
        }

        @Override
        public void onMessage(Q message) {
            try (Scope ignored = trace.makeCurrent()) {
                super.onMessage(message);
            }
        }

        @Override
        public void onHalfClose() {
            try (Scope ignored = trace.makeCurrent()) {
                super.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            try (Scope ignored = trace.makeCurrent()) {
                super.onCancel();
            }
        }

        @Override
        public void onComplete() {
            try (Scope ignored = trace.makeCurrent()) {
                super.onComplete();
            }
        }

        @Override
        public void onReady() {
            try (Scope ignored = trace.makeCurrent()) {
                super.onReady();
            }
        }
    }

    /**
     * The metadata of the current call.
     *
     * @throws IllegalStateException outside a call passed through {@link #interceptor()}
     */
    public static Metadata metadata() {
        Metadata metadata = METADATA.get();
        if (metadata == null) {
            throw new IllegalStateException(
                    "no gRPC call metadata here: install GrpcBranch.interceptor() on the service or server");
        }
        return metadata;
    }

    /**
     * The branch identity of the current call, from {@code dtm-trans_type}, {@code dtm-gid}, {@code
     * dtm-branch_id} and {@code dtm-op}.
     *
     * @throws IllegalStateException outside a call passed through {@link #interceptor()}
     * @throws IllegalArgumentException when one of the four is missing or empty
     */
    public static BranchIdentity identity() {
        return BranchIdentity.fromGrpcMetadata(metadata());
    }

    /**
     * The {@code dtm-*} metadata of the current call under the names the HTTP query uses ({@code
     * dtm-gid} as {@code gid}, {@code dtm-phase2_url} as {@code phase2_url}, …), for helpers that
     * read a query, e.g. {@code XaLocalTransaction.handle(GrpcBranch.params(), business)}.
     *
     * @throws IllegalStateException outside a call passed through {@link #interceptor()}
     */
    public static Map<String, String> params() {
        Metadata metadata = metadata();
        Map<String, String> params = new LinkedHashMap<>();
        for (String key : metadata.keys()) {
            if (key.startsWith(PREFIX) && !key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                String value = metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                params.put(key.substring(PREFIX.length()), value == null ? "" : value);
            }
        }
        return params;
    }

    /**
     * The server's gRPC address from {@code dtm-dtm}: set when the application calls (TCC try, XA
     * action), empty when the server does.
     */
    public static String dtmServer() {
        String server = metadata().get(DTM);
        return server == null ? "" : server;
    }
}
