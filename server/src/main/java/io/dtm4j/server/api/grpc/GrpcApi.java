package io.dtm4j.server.api.grpc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.topic.Topics;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC API of the server (§5): {@code dtmgimp.Dtm} on its own plaintext port, with server
 * reflection (v1 and v1alpha, as grpc-go registers both) so tools like grpcurl can call it. Handlers
 * run on the given executor.
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
        Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .executor(executor)
                .addService(new DtmService(engine, topics, metrics, json))
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(ProtoReflectionService.newInstance())
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on GrpcPort " + port + ": " + e.getMessage(), e);
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
