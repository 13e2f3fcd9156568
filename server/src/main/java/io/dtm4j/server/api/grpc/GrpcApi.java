package io.dtm4j.server.api.grpc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.api.TraceHeaders;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.topic.Topics;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.File;
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
            int port,
            Engine engine,
            Topics topics,
            Metrics metrics,
            ObjectMapper json,
            Executor executor,
            ServerConfig.Security security) {
        Server server = NettyServerBuilder.forPort(port, credentials(security.tls()))
                // Netty's default too, but a restart relies on it: the previous server's accepted
                // connections linger on this port in TIME_WAIT for a minute after it closed them
                .withOption(ChannelOption.SO_REUSEADDR, true)
                .executor(executor)
                .addService(ServerInterceptors.intercept(
                        new DtmService(engine, topics, metrics, json),
                        TraceHeaders.grpcInterceptor(),
                        new TokenCheck(security.apiTokens())))
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

    private static ServerCredentials credentials(ServerConfig.Tls tls) {
        if (!tls.enabled()) {
            return InsecureServerCredentials.create();
        }
        try {
            var tlsCredentials =
                    TlsServerCredentials.newBuilder().keyManager(new File(tls.certFile()), new File(tls.keyFile()));
            if (!tls.clientCaFile().isEmpty()) {
                tlsCredentials
                        .trustManager(new File(tls.clientCaFile()))
                        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            }
            return tlsCredentials.build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS files of the gRPC port: " + e.getMessage(), e);
        }
    }

    /** Refuses calls without an accepted bearer token in their {@code authorization} metadata. */
    private record TokenCheck(ApiTokens tokens) implements ServerInterceptor {
        private static final Metadata.Key<String> AUTHORIZATION =
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (tokens.accepts(headers.get(AUTHORIZATION))) {
                return next.startCall(call, headers);
            }
            call.close(
                    Status.UNAUTHENTICATED.withDescription(
                            "this server requires an API token: metadata authorization: Bearer <token>"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
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
