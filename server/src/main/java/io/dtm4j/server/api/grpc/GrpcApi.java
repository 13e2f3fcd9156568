package io.dtm4j.server.api.grpc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.api.TraceHeaders;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.topic.Topics;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC API of the server (docs/protocol.md §5): {@code dtmgimp.Dtm} on its own plaintext port,
 * with server reflection (v1 and v1alpha, as grpc-go registers both) so tools like grpcurl can call
 * it. Handlers run on the given executor.
 */
public final class GrpcApi implements AutoCloseable {
    private final Server server;

    private GrpcApi(Server server) {
        this.server = server;
    }

    /**
     * Starts listening on {@code port} on every interface.
     *
     * @param port {@code GrpcPort}; 0 picks a free port, see {@link #port()}
     * @param executor runs every request handler; handlers block, so virtual threads suit
     * @throws UncheckedIOException when the port cannot be bound
     */
    @SuppressWarnings("deprecation") // v1alpha reflection: older grpcurl and IDEs ask only for it
    public static GrpcApi start(
            int port, Engine engine, Topics topics, Metrics metrics, ObjectMapper json, Executor executor) {
        Server server = NettyServerBuilder.forPort(port, InsecureServerCredentials.create())
                // Netty's default too, but a restart relies on it: the previous server's accepted
                // connections linger on this port in TIME_WAIT for a minute after it closed them
                .withOption(ChannelOption.SO_REUSEADDR, true)
                .executor(executor)
                .addService(ServerInterceptors.intercept(
                        new DtmService(engine, topics, metrics, json), TraceHeaders.grpcInterceptor()))
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            // Netty's message names only the address; the reason (e.g. "Address already in use") is in the cause
            String reason = e.getCause() == null
                    ? e.getMessage()
                    : e.getMessage() + ": " + e.getCause().getMessage();
            throw new UncheckedIOException("cannot listen on GrpcPort " + port + ": " + reason, e);
        }
        return new GrpcApi(server);
    }

    /** Returns the bound port (the free one chosen when started with 0). */
    public int port() {
        return server.getPort();
    }

    /** Stops accepting calls and waits up to 5 s for calls in flight, then cancels them. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
