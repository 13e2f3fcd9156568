package io.dtm4j.server.testing;

import io.dtm4j.server.config.ServerConfig;
import java.util.function.Consumer;

/** Copies of a {@link ServerConfig} with one setting changed, for {@link TestServer}'s tweak. */
public final class Configs {
    private Configs() {}

    /** Returns {@code c} with MaxRetryInterval set to {@code seconds}. */
    public static ServerConfig maxRetryInterval(ServerConfig c, long seconds) {
        return copy(c, k -> k.maxRetryInterval = seconds);
    }

    /** Returns {@code c} with AlertWebHook {@code url} and AlertRetryLimit {@code limit}. */
    public static ServerConfig alerts(ServerConfig c, String url, long limit) {
        return copy(c, k -> {
            k.alertWebHook = url;
            k.alertRetryLimit = limit;
        });
    }

    /** Returns {@code c} with GrpcPort {@code port} (0 = a free port). */
    public static ServerConfig grpcPort(ServerConfig c, int port) {
        return ports(c, c.httpPort(), port);
    }

    /** Returns {@code c} with HttpPort {@code http} and GrpcPort {@code grpc} (0 = a free port). */
    public static ServerConfig ports(ServerConfig c, int http, int grpc) {
        return copy(c, k -> {
            k.httpPort = http;
            k.grpcPort = grpc;
        });
    }

    /** Returns {@code c} with GrpcServiceConfig {@code json}. */
    public static ServerConfig grpcServiceConfig(ServerConfig c, String json) {
        return copy(c, k -> k.grpcServiceConfig = json);
    }

    /** Returns {@code c} with MaxSteps, MaxBranchPayload and BranchUrlAllowlist from {@code admission}. */
    public static ServerConfig admission(ServerConfig c, ServerConfig.Admission admission) {
        return copy(c, k -> k.admission = admission);
    }

    /** Returns {@code c} with ApiTokens, Tls.* and Console.* from {@code security}. */
    public static ServerConfig security(ServerConfig c, ServerConfig.Security security) {
        return copy(c, k -> k.security = security);
    }

    private static ServerConfig copy(ServerConfig c, Consumer<Fields> change) {
        Fields k = new Fields(c);
        change.accept(k);
        return k.build();
    }

    /** The settings these helpers change, the others taken over as they are. */
    private static final class Fields {
        final ServerConfig c;
        int httpPort;
        int grpcPort;
        long maxRetryInterval;
        long alertRetryLimit;
        String alertWebHook;
        String grpcServiceConfig;
        ServerConfig.Admission admission;
        ServerConfig.Security security;

        Fields(ServerConfig c) {
            this.c = c;
            httpPort = c.httpPort();
            grpcPort = c.grpcPort();
            maxRetryInterval = c.maxRetryInterval();
            alertRetryLimit = c.alertRetryLimit();
            alertWebHook = c.alertWebHook();
            grpcServiceConfig = c.grpcServiceConfig();
            admission = c.admission();
            security = c.security();
        }

        ServerConfig build() {
            return new ServerConfig(
                    httpPort,
                    grpcPort,
                    c.store(),
                    c.transCronInterval(),
                    c.timeoutToFail(),
                    c.retryInterval(),
                    maxRetryInterval,
                    c.requestTimeout(),
                    c.logLevel(),
                    alertRetryLimit,
                    alertWebHook,
                    c.configUpdateInterval(),
                    c.cronWorkers(),
                    grpcServiceConfig,
                    c.microService(),
                    c.parking(),
                    c.logFormat(),
                    c.tracing(),
                    admission,
                    security,
                    c.brokers());
        }
    }
}
