package io.dtm4j.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import io.dtm4j.discovery.ServiceMethod;
import io.dtm4j.discovery.grpc.DiscoveryNameResolverProvider;
import io.dtm4j.protocol.grpc.DtmBranchRequest;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.protocol.grpc.RawBytes;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gRPC side of {@link DtmClient} (docs/protocol.md §5, §13): the {@code dtmgimp.Dtm} calls to
 * the server, and unary calls on raw bytes to branch URLs {@code host:port/package.Service/Method}
 * (or a registry URL split with go-zero's rule, docs/protocol.md §14) with the {@code dtm-*}
 * metadata of docs/protocol.md §5.3. Copies made by {@link #withTimeout} share the channels.
 */
final class GrpcTransport {
    /** dtm's default {@code GrpcServiceConfig}: spread calls over every address a target resolves to. */
    private static final Map<String, ?> ROUND_ROBIN =
            Map.of("loadBalancingConfig", List.of(Map.of("round_robin", Map.of())));

    private final String target;
    private final ManagedChannel server;
    /** One channel per branch target, opened on first use. */
    private final Map<String, ManagedChannel> branches;

    private final Duration timeout;
    /** The {@code authorization} metadata of calls to the server; null for none. */
    private final String authorization;

    /** @param credentials of the channel to the server; null = plaintext */
    GrpcTransport(String target, ChannelCredentials credentials, Duration timeout) {
        this(
                target,
                open(target, credentials == null ? InsecureChannelCredentials.create() : credentials),
                new ConcurrentHashMap<>(),
                timeout,
                null);
    }

    private GrpcTransport(
            String target,
            ManagedChannel server,
            Map<String, ManagedChannel> branches,
            Duration timeout,
            String authorization) {
        this.target = target;
        this.server = server;
        this.branches = branches;
        this.timeout = timeout;
        this.authorization = authorization;
    }

    GrpcTransport withTimeout(Duration timeout) {
        return new GrpcTransport(target, server, branches, timeout, authorization);
    }

    GrpcTransport withAuthorization(String authorization) {
        return new GrpcTransport(target, server, branches, timeout, authorization);
    }

    String newGid() {
        String gid = call("dtm NewGid", () -> stub().newGid(Empty.getDefaultInstance()))
                .getGid();
        if (gid.isEmpty()) {
            throw new DtmException("NewGid answered without a gid");
        }
        return gid;
    }

    /** Sends prepare, submit or abort. */
    void send(String route, GlobalTransaction<?> trans) {
        DtmRequest request = request(trans);
        var stub = stub();
        call("dtm " + route, () -> switch (route) {
            case "prepare" -> stub.prepare(request);
            case "submit" -> stub.submit(request);
            case "abort" -> stub.abort(request);
            default -> throw new IllegalArgumentException("no gRPC operation for route " + route);
        });
    }

    /** RegisterBranch: gid, trans_type and branch_id as fields, the rest of {@code fields} as Data. */
    void registerBranch(Map<String, String> fields, byte[] data) {
        Map<String, String> rest = new HashMap<>(fields);
        DtmBranchRequest request = DtmBranchRequest.newBuilder()
                .setGid(orEmpty(rest.remove("gid")))
                .setTransType(orEmpty(rest.remove("trans_type")))
                .setBranchID(orEmpty(rest.remove("branch_id")))
                .putAllData(rest)
                .setBusiPayload(ByteString.copyFrom(data))
                .build();
        call("dtm RegisterBranch", () -> stub().registerBranch(request));
    }

    /**
     * Calls {@code url} with {@code body} and the branch identity, {@code dtm-dtm}, each {@code extra}
     * entry as {@code dtm-<key>} and {@code headers} as metadata; returns the reply's bytes.
     *
     * @throws IllegalArgumentException when {@code url} is neither {@code
     *     host:port/package.Service/Method} nor {@code scheme://host/service/package.Service/Method}
     */
    byte[] callBranch(
            String url, BranchIdentity branch, Map<String, String> extra, byte[] body, Map<String, String> headers) {
        ServiceMethod split = split(url);
        Metadata metadata = new Metadata();
        put(metadata, "dtm-gid", branch.gid());
        put(metadata, "dtm-trans_type", branch.transType());
        put(metadata, "dtm-branch_id", branch.branchId());
        put(metadata, "dtm-op", branch.op());
        put(metadata, "dtm-dtm", target);
        extra.forEach((key, value) -> put(metadata, "dtm-" + key, value));
        headers.forEach((key, value) -> put(metadata, key, value));
        Traces.current().forEach((key, value) -> { // the caller's trace, unless headers name one
            if (!headers.containsKey(key)) {
                put(metadata, key, value);
            }
        });

        var channel = ClientInterceptors.intercept(
                branches.computeIfAbsent(split.target(), t -> open(t, InsecureChannelCredentials.create())),
                MetadataUtils.newAttachHeadersInterceptor(metadata));
        var method = RawBytes.unaryMethod(split.fullMethodName());
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return call(branch.op() + " " + url, () -> ClientCalls.blockingUnaryCall(channel, method, options, body));
    }

    /** Calls the server on a stub with this transport's deadline, turning an error status into the SDK's exceptions. */
    <T> T callServer(String what, Function<DtmGrpc.DtmBlockingStub, T> call) {
        return call(what, () -> call.apply(stub()));
    }

    void close() {
        server.shutdownNow();
        branches.values().forEach(ManagedChannel::shutdownNow);
    }

    /** A step or branch payload: a protobuf message's bytes, raw bytes, or a String's UTF-8 bytes. */
    static byte[] encode(Object payload) {
        return switch (payload) {
            case null -> new byte[0];
            case MessageLite message -> message.toByteArray();
            case byte[] bytes -> bytes;
            case String text -> text.getBytes(StandardCharsets.UTF_8);
            default ->
                throw new IllegalArgumentException("a gRPC payload is a protobuf message, byte[] or String; got "
                        + payload.getClass().getName());
        };
    }

    /**
     * The DtmRequest of docs/protocol.md §5.1: steps as JSON text ("null" for none, as the Go SDK),
     * payloads as bytes.
     */
    private static DtmRequest request(GlobalTransaction<?> t) {
        if (t.concurrent) {
            throw new UnsupportedOperationException(
                    "a concurrent msg cannot be sent over gRPC: DtmRequest has no field for it (use HTTP)");
        }
        DtmTransOptions options = DtmTransOptions.newBuilder()
                .setWaitResult(t.waitResult)
                .setTimeoutToFail(t.timeoutToFail)
                .setRetryInterval(t.retryInterval)
                .setRequestTimeout(t.requestTimeout)
                .setRetryLimit(t.retryLimit)
                .putAllBranchHeaders(t.branchHeaders)
                .build();
        return DtmRequest.newBuilder()
                .setGid(t.gid)
                .setTransType(t.type.wire())
                .setTransOptions(options)
                .setCustomedData(t.customData())
                .setSteps(Json.write(t.steps.isEmpty() ? null : t.steps))
                .addAllBinPayloads(t.payloads.stream().map(ByteString::copyFrom).toList())
                .setQueryPrepared(t.queryPrepared)
                .setRollbackReason(t.rollbackReason)
                .build();
    }

    /**
     * A stub with this transport's deadline, and as metadata the bearer token and the caller's
     * current trace context.
     */
    private DtmGrpc.DtmBlockingStub stub() {
        var stub = DtmGrpc.newBlockingStub(server).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, String> trace = Traces.current();
        if (trace.isEmpty() && authorization == null) {
            return stub;
        }
        Metadata metadata = new Metadata();
        trace.forEach((key, value) -> put(metadata, key, value));
        if (authorization != null) {
            put(metadata, "authorization", authorization);
        }
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(metadata));
    }

    /**
     * Runs a call, turning its error status into the SDK's exceptions (docs/protocol.md §1.1, gRPC
     * column).
     */
    private static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw GrpcResults.exceptionOf(e.getStatus(), what);
        }
    }

    /**
     * Splits a branch URL with go-zero's rule (docs/protocol.md §14), refusing the HTTP URLs a gRPC
     * client cannot call.
     */
    private static ServiceMethod split(String url) {
        if (url.startsWith("http://") || url.startsWith("https://")) {
            throw new IllegalArgumentException("'" + url + "' is an HTTP URL: a gRPC branch URL is"
                    + " host:port/package.Service/Method or scheme://host:port/service/package.Service/Method"
                    + " (etcd, discov, direct, dns)");
        }
        return ServiceMethod.goZero(url);
    }

    /**
     * A channel to {@code target}: {@code host:port}, {@code dns:///host:port}, or a registry target
     * ({@code etcd://}, {@code discov://}, {@code direct:///}) whose resolver is installed first;
     * round-robin over the addresses it resolves to.
     *
     * @throws IllegalArgumentException when {@code target} is malformed
     */
    private static ManagedChannel open(String target, ChannelCredentials credentials) {
        DiscoveryNameResolverProvider.installFor(target);
        return Grpc.newChannelBuilder(target, credentials)
                .defaultServiceConfig(ROUND_ROBIN)
                .build();
    }

    private static void put(Metadata metadata, String key, String value) {
        metadata.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
