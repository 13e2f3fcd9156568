package io.dtm4j.server.invoke.grpc;

import com.google.protobuf.ByteString;
import io.dtm4j.protocol.TransType;
import io.dtm4j.protocol.grpc.RawBytes;
import io.dtm4j.protocol.grpc.workflow.WorkflowData;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.Invoker;
import io.dtm4j.server.invoke.Outcome;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls branches over gRPC by dynamic invocation (docs/protocol.md §6.4): the URL names {@code
 * host:port/package.Service/Method}, the stored payload is sent as the request bytes, the reply is
 * ignored and only its status counts. Transaction info travels as {@code dtm-*} metadata
 * (docs/protocol.md §5.3), followed by legacy ext headers and {@code branch_headers}. Channels are
 * cached per target, use the configured default service config (round-robin load balancing unless
 * {@code GrpcServiceConfig} says otherwise), and are closed by {@link #close}. Thread-safe; calls
 * block the calling (virtual) thread.
 */
public final class GrpcInvoker implements Invoker {
    private static final Logger log = LoggerFactory.getLogger(GrpcInvoker.class);

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, MethodDescriptor<byte[], byte[]>> methods = new ConcurrentHashMap<>();
    private final Function<String, GrpcTarget> split;
    private final Map<String, ?> serviceConfig;
    private volatile boolean closed;

    /**
     * An invoker splitting URLs with {@code split} (a service-discovery driver, docs/protocol.md §14),
     * which throws IllegalArgumentException for a URL it cannot split, and opening channels
     * with {@code serviceConfig} as their default service config ({@code GrpcServiceConfig}).
     */
    public GrpcInvoker(Function<String, GrpcTarget> split, Map<String, ?> serviceConfig) {
        this.split = split;
        this.serviceConfig = serviceConfig;
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success("");
        }
        GrpcTarget target;
        try {
            target = split.apply(call.url());
        } catch (IllegalArgumentException e) {
            return Outcome.error(e.getMessage());
        }
        ManagedChannel channel;
        try {
            channel = channel(target.target());
        } catch (RuntimeException e) {
            return Outcome.error("cannot open a gRPC channel to '" + target.target() + "': " + e.getMessage());
        }
        var withMetadata =
                ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata(call)));
        var options = CallOptions.DEFAULT.withDeadlineAfter(call.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            ClientCalls.blockingUnaryCall(withMetadata, method(target.fullMethodName()), options, request(call));
            return Outcome.success("");
        } catch (StatusRuntimeException e) {
            return GrpcOutcomes.classify(e.getStatus());
        } catch (RuntimeException e) {
            return Outcome.error("error calling " + call.url() + ": " + e);
        }
    }

    /**
     * The request bytes: the stored payload, except for a workflow, whose only call is the resume
     * callback {@code /workflow.Workflow/Execute}, which takes the input wrapped in {@code WorkflowData}.
     */
    static byte[] request(BranchCall call) {
        if (call.transType().equals(TransType.WORKFLOW.wire())) {
            return WorkflowData.newBuilder()
                    .setData(ByteString.copyFrom(call.body()))
                    .build()
                    .toByteArray();
        }
        return call.body();
    }

    /** The outgoing metadata: {@code dtm-*} keys, then the call's headers (ext headers, branch_headers). */
    static Metadata metadata(BranchCall call) {
        Metadata md = new Metadata();
        put(md, "dtm-gid", call.gid());
        put(md, "dtm-trans_type", call.transType());
        put(md, "dtm-branch_id", call.branchId());
        put(md, "dtm-op", call.op());
        put(md, "dtm-dtm", ""); // the caller is the server itself
        call.headers().forEach((k, v) -> put(md, k, v));
        return md;
    }

    private static void put(Metadata md, String key, String value) {
        try {
            if (key.toLowerCase(java.util.Locale.ROOT).endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                md.put(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER), value.getBytes(StandardCharsets.UTF_8));
            } else {
                md.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
            }
        } catch (IllegalArgumentException e) {
            // gRPC metadata keys are lowercase letters, digits, '-', '_' and '.': others cannot be sent
            log.warn("branch header '{}' is not a valid gRPC metadata key, not sent: {}", key, e.getMessage());
        }
    }

    private MethodDescriptor<byte[], byte[]> method(String fullMethodName) {
        return methods.computeIfAbsent(fullMethodName, RawBytes::unaryMethod);
    }

    private ManagedChannel channel(String target) {
        if (closed) {
            throw new IllegalStateException("the gRPC invoker is closed");
        }
        return channels.computeIfAbsent(
                target,
                t -> Grpc.newChannelBuilder(t, InsecureChannelCredentials.create())
                        .defaultServiceConfig(serviceConfig)
                        .build());
    }

    /** Closes every cached channel, waiting up to 5 s for calls in flight. */
    @Override
    public void close() {
        closed = true;
        for (ManagedChannel c : channels.values()) {
            c.shutdown();
        }
        for (ManagedChannel c : channels.values()) {
            try {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }
}
