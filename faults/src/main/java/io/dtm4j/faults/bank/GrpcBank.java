package io.dtm4j.faults.bank;

import io.dtm4j.client.GrpcBranch;
import io.dtm4j.client.GrpcResults;
import io.dtm4j.protocol.grpc.RawBytes;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The bank over gRPC on {@code 127.0.0.1:port}: service {@value BankOps#GRPC_SERVICE}, one unary
 * method per endpoint on raw bytes (the request is the payload's JSON in UTF-8, the reply empty),
 * XA branches as {@code Xa<name>}. No {@code .proto}: the server calls branches on raw bytes.
 */
final class GrpcBank implements AutoCloseable {
    private static final byte[] EMPTY = new byte[0];
    private static final String XA_METHOD = "Xa";
    /** How long a dropped call is held when its caller set no deadline. */
    private static final long DROP_HOLD_MILLIS = 10_000;

    private final Bank bank;
    private final Server server;

    GrpcBank(Bank bank, int port) throws IOException {
        this.bank = bank;
        server = NettyServerBuilder.forAddress(
                        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port),
                        InsecureServerCredentials.create())
                .withOption(ChannelOption.SO_REUSEADDR, true)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .fallbackHandlerRegistry(new Methods())
                .intercept(GrpcBranch.interceptor())
                .build();
        server.start();
    }

    int port() {
        return server.getPort();
    }

    /** The endpoint of method {@code name} ({@code XaDebit} is {@code xa/Debit}), or null when unknown. */
    static String endpoint(String name) {
        String endpoint = name.startsWith(XA_METHOD) && !name.equals(BankOps.QUERY_PREPARED)
                ? Bank.XA_PREFIX + name.substring(XA_METHOD.length())
                : name;
        return Bank.knows(endpoint) ? endpoint : null;
    }

    private void handle(String endpoint, byte[] request, StreamObserver<byte[]> reply) {
        Map<String, String> params = GrpcBranch.params();
        Exception error = null;
        try {
            bank.serve(endpoint, params, request);
        } catch (Exception e) {
            error = e;
        }
        Optional<Chaos.Injection> injection = bank.chaos(endpoint, params);
        if (injection.isPresent()) {
            switch (injection.get().kind()) {
                case ERROR -> {
                    reply.onError(Status.INTERNAL
                            .withDescription("chaos: an error injected after the work")
                            .asRuntimeException());
                    return;
                }
                case DROP -> {
                    drop((ServerCallStreamObserver<byte[]>) reply);
                    return;
                }
                case SLOW -> sleep(injection.get().slowMillis());
            }
        }
        if (error == null) {
            reply.onNext(EMPTY);
            reply.onCompleted();
        } else {
            reply.onError(GrpcResults.exceptionFor(error));
        }
    }

    /**
     * Leaves the call unanswered until its caller gives up (its deadline: DEADLINE_EXCEEDED there),
     * as a lost answer would; after {@link #DROP_HOLD_MILLIS} answers UNAVAILABLE for callers without one.
     */
    private static void drop(ServerCallStreamObserver<byte[]> reply) {
        long until = System.currentTimeMillis() + DROP_HOLD_MILLIS;
        while (!reply.isCancelled() && System.currentTimeMillis() < until) {
            sleep(20);
        }
        if (!reply.isCancelled()) {
            reply.onError(Status.UNAVAILABLE
                    .withDescription("chaos: the answer was dropped")
                    .asRuntimeException());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Serves {@value BankOps#GRPC_SERVICE}{@code /<method>} for every known endpoint; else UNIMPLEMENTED. */
    private final class Methods extends HandlerRegistry {
        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String fullMethod, String authority) {
            String prefix = BankOps.GRPC_SERVICE + "/";
            String endpoint = fullMethod.startsWith(prefix) ? endpoint(fullMethod.substring(prefix.length())) : null;
            if (endpoint == null) {
                return null;
            }
            return ServerMethodDefinition.create(
                    RawBytes.unaryMethod(fullMethod),
                    ServerCalls.asyncUnaryCall((request, reply) -> handle(endpoint, request, reply)));
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
