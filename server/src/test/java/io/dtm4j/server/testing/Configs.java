package io.dtm4j.server.testing;

import io.dtm4j.server.config.ServerConfig;

/** Copies of a {@link ServerConfig} with one setting changed, for {@link TestServer}'s tweak. */
public final class Configs {
    private Configs() {}

    /** Returns {@code c} with MaxRetryInterval set to {@code seconds}. */
    public static ServerConfig maxRetryInterval(ServerConfig c, long seconds) {
        return c.with(k -> k.maxRetryInterval = seconds);
    }

    /** Returns {@code c} with AlertWebHook {@code url} and AlertRetryLimit {@code limit}. */
    public static ServerConfig alerts(ServerConfig c, String url, long limit) {
        return c.with(k -> {
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
        return c.with(k -> {
            k.httpPort = http;
            k.grpcPort = grpc;
        });
    }

    /** Returns {@code c} with GrpcServiceConfig {@code json}. */
    public static ServerConfig grpcServiceConfig(ServerConfig c, String json) {
        return c.with(k -> k.grpcServiceConfig = json);
    }

    /** Returns {@code c} with MaxSteps, MaxBranchPayload and BranchUrlAllowlist from {@code admission}. */
    public static ServerConfig admission(ServerConfig c, ServerConfig.Admission admission) {
        return c.with(k -> k.admission = admission);
    }

    /** Returns {@code c} with ApiTokens, Tls.* and Console.* from {@code security}. */
    public static ServerConfig security(ServerConfig c, ServerConfig.Security security) {
        return c.with(k -> k.security = security);
    }
}
