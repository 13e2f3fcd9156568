package io.dtm4j.server.grpc;

import io.dtm4j.protocol.grpc.RawBytes;
import io.dtm4j.server.testing.CallLog;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC business service on loopback that accepts every method without a {@code .proto} (a
 * fallback registry with a byte-array marshaller), records each call's metadata and request bytes,
 * and answers per (gid, method): scripted one-shot replies first, then OK.
 */
public final class GrpcBusinessStub implements AutoCloseable {

    /** One reply: a status (OK or an error), optionally after a delay. */
    public record Reply(Status status, Duration delay) {
        static final Reply OK = new Reply(Status.OK, Duration.ZERO);
        static final Reply ABORTED = of(Status.ABORTED.withDescription("reason: Insufficient balance"));
        static final Reply FAILED_PRECONDITION = of(Status.FAILED_PRECONDITION.withDescription("not yet"));
        static final Reply UNAVAILABLE = of(Status.UNAVAILABLE.withDescription("busy"));
        /** A pre-v1.10 RM saying "not finished yet". */
        static final Reply LEGACY_ONGOING = of(Status.ABORTED.withDescription("ONGOING"));

        static Reply of(Status status) {
            return new Reply(status, Duration.ZERO);
        }

        static Reply slow(Duration delay) {
            return new Reply(Status.OK, delay);
        }
    }

    /** One recorded call. */
    public record Call(String method, Map<String, String> metadata, byte[] payload) {
        /** Returns the method name without its service, e.g. {@code TransOut}. */
        public String endpoint() {
            return method.substring(method.lastIndexOf('/') + 1);
        }

        public String gid() {
            return metadata.getOrDefault("dtm-gid", "");
        }

        public String op() {
            return metadata.getOrDefault("dtm-op", "");
        }
    }

    private final Server server;
    private final Map<String, Deque<Reply>> scripts = new ConcurrentHashMap<>();
    private final CallLog<Call> calls = new CallLog<>(Call::gid, c -> c.endpoint() + " " + c.op());

    public GrpcBusinessStub() {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .fallbackHandlerRegistry(new AnyMethod())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the branch URL of method {@code name} of service {@code busi.Busi}, e.g. {@code 127.0.0.1:5/busi.Busi/TransOut}. */
    public String url(String name) {
        return address() + "/busi.Busi/" + name;
    }

    /** Returns {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Queues one-shot replies for calls of {@code gid} to method {@code name}. */
    public GrpcBusinessStub scriptFor(String gid, String name, Reply... replies) {
        var queue = scripts.computeIfAbsent(gid + "/" + name, k -> new ArrayDeque<>());
        synchronized (queue) {
            queue.addAll(List.of(replies));
        }
        return this;
    }

    /** Returns the recorded calls of {@code gid}, in arrival order. */
    public List<Call> calls(String gid) {
        return calls.of(gid);
    }

    /** Returns "endpoint op" for each call of {@code gid}, e.g. {@code [TransOut action, TransIn action]}. */
    public List<String> trail(String gid) {
        return calls.trail(gid);
    }

    private void handle(String method, Metadata headers, byte[] request, StreamObserver<byte[]> out) {
        Map<String, String> md = new LinkedHashMap<>();
        for (String key : headers.keys()) {
            if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                md.put(key, headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
            }
        }
        Call call = new Call(method, md, request);
        calls.add(call);
        Reply reply = next(call.gid() + "/" + call.endpoint());
        if (!reply.delay().isZero()) {
            try {
                Thread.sleep(reply.delay());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (reply.status().isOk()) {
            out.onNext(new byte[0]);
            out.onCompleted();
        } else {
            out.onError(reply.status().asRuntimeException());
        }
    }

    private Reply next(String key) {
        Deque<Reply> queue = scripts.get(key);
        if (queue != null) {
            synchronized (queue) {
                Reply r = queue.poll();
                if (r != null) {
                    return r;
                }
            }
        }
        return Reply.OK;
    }

    /** Serves any method name as a unary call on raw bytes. */
    private final class AnyMethod extends HandlerRegistry {
        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            var descriptor = RawBytes.unaryMethod(methodName);
            ServerCallHandler<byte[], byte[]> handler = (call, headers) -> ServerCalls.<byte[], byte[]>asyncUnaryCall(
                            (request, out) -> handle(methodName, headers, request, out))
                    .startCall(call, headers);
            return ServerMethodDefinition.create(descriptor, handler);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
