package io.dtm4j.client;

import io.dtm4j.protocol.grpc.RawBytes;
import io.dtm4j.server.testing.CallLog;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC business service for the SDK's gRPC tests, as an application would write one with the SDK:
 * every method of {@code busi.Busi} is a unary call on raw bytes (no {@code .proto}), the server has
 * {@link GrpcBranch#interceptor()} installed so handlers read their identity with {@link
 * GrpcBranch#identity()}, and errors are answered with {@link GrpcResults#exceptionFor}. Methods
 * without a handler answer OK; every call is recorded.
 */
final class GrpcBusi implements AutoCloseable {

    /** A method's business: takes the request bytes, returns the reply bytes or throws. */
    @FunctionalInterface
    interface Handler {
        byte[] handle(byte[] request) throws Exception;
    }

    /** One recorded call: method name, ASCII metadata, request bytes. */
    record Call(String method, Map<String, String> metadata, byte[] payload) {
        String gid() {
            return metadata.getOrDefault("dtm-gid", "");
        }
    }

    private final Server server;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final CallLog<Call> calls =
            new CallLog<>(Call::gid, c -> c.method() + " " + c.metadata().get("dtm-op"));

    GrpcBusi() {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .fallbackHandlerRegistry(new AnyMethod())
                .intercept(GrpcBranch.interceptor())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets the business of method {@code name}, replacing any earlier one. */
    GrpcBusi on(String name, Handler handler) {
        handlers.put(name, handler);
        return this;
    }

    /** Returns the branch URL of method {@code name}, e.g. {@code 127.0.0.1:5/busi.Busi/TransOut}. */
    String url(String name) {
        return address() + "/busi.Busi/" + name;
    }

    /** Returns the address the service listens on, {@code 127.0.0.1:port}. */
    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Returns the recorded calls of {@code gid}, in arrival order. */
    List<Call> calls(String gid) {
        return calls.of(gid);
    }

    /** Returns "method op" for each call of {@code gid}, e.g. {@code [TransOut action, TransIn action]}. */
    List<String> trail(String gid) {
        return calls.trail(gid);
    }

    private void handle(String fullMethod, byte[] request, StreamObserver<byte[]> out) {
        String method = fullMethod.substring(fullMethod.lastIndexOf('/') + 1);
        Metadata headers = GrpcBranch.metadata();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String key : headers.keys()) {
            if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                metadata.put(key, headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
            }
        }
        calls.add(new Call(method, metadata, request));
        try {
            Handler handler = handlers.get(method);
            out.onNext(handler == null ? new byte[0] : handler.handle(request));
            out.onCompleted();
        } catch (Exception e) {
            out.onError(GrpcResults.exceptionFor(e));
        }
    }

    /** Serves any method name as a unary call on raw bytes. */
    private final class AnyMethod extends HandlerRegistry {
        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            var descriptor = RawBytes.unaryMethod(methodName);
            ServerCallHandler<byte[], byte[]> handler =
                    ServerCalls.asyncUnaryCall((request, out) -> handle(methodName, request, out));
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
