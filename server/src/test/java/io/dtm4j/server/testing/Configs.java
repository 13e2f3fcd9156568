package io.dtm4j.server.testing;

import io.dtm4j.server.config.ServerConfig;

/** Copies of a {@link ServerConfig} with one setting changed, for {@link TestServer}'s tweak. */
public final class Configs {
    private Configs() {}

    /** Returns {@code c} with MaxRetryInterval set to {@code seconds}. */
    public static ServerConfig maxRetryInterval(ServerConfig c, long seconds) {
        return new ServerConfig(
                c.httpPort(),
                c.grpcPort(),
                c.store(),
                c.transCronInterval(),
                c.timeoutToFail(),
                c.retryInterval(),
                seconds,
                c.requestTimeout(),
                c.logLevel(),
                c.alertRetryLimit(),
                c.alertWebHook(),
                c.configUpdateInterval(),
                c.cronWorkers(),
                c.grpcServiceConfig(),
                c.microService(),
                c.parking(),
                c.logFormat(),
                c.tracing(),
                c.admission(),
                c.security());
    }

    /** Returns {@code c} with AlertWebHook {@code url} and AlertRetryLimit {@code limit}. */
    public static ServerConfig alerts(ServerConfig c, String url, long limit) {
        return new ServerConfig(
                c.httpPort(),
                c.grpcPort(),
                c.store(),
                c.transCronInterval(),
                c.timeoutToFail(),
                c.retryInterval(),
                c.maxRetryInterval(),
                c.requestTimeout(),
                c.logLevel(),
                limit,
                url,
                c.configUpdateInterval(),
                c.cronWorkers(),
                c.grpcServiceConfig(),
                c.microService(),
                c.parking(),
                c.logFormat(),
                c.tracing(),
                c.admission(),
                c.security());
    }

    /** Returns {@code c} with GrpcPort {@code port} (0 = a free port). */
    public static ServerConfig grpcPort(ServerConfig c, int port) {
        return ports(c, c.httpPort(), port);
    }

    /** Returns {@code c} with HttpPort {@code http} and GrpcPort {@code grpc} (0 = a free port). */
    public static ServerConfig ports(ServerConfig c, int http, int grpc) {
        return new ServerConfig(
                http,
                grpc,
                c.store(),
                c.transCronInterval(),
                c.timeoutToFail(),
                c.retryInterval(),
                c.maxRetryInterval(),
                c.requestTimeout(),
                c.logLevel(),
                c.alertRetryLimit(),
                c.alertWebHook(),
                c.configUpdateInterval(),
                c.cronWorkers(),
                c.grpcServiceConfig(),
                c.microService(),
                c.parking(),
                c.logFormat(),
                c.tracing(),
                c.admission(),
                c.security());
    }

    /** Returns {@code c} with GrpcServiceConfig {@code json}. */
    public static ServerConfig grpcServiceConfig(ServerConfig c, String json) {
        return new ServerConfig(
                c.httpPort(),
                c.grpcPort(),
                c.store(),
                c.transCronInterval(),
                c.timeoutToFail(),
                c.retryInterval(),
                c.maxRetryInterval(),
                c.requestTimeout(),
                c.logLevel(),
                c.alertRetryLimit(),
                c.alertWebHook(),
                c.configUpdateInterval(),
                c.cronWorkers(),
                json,
                c.microService(),
                c.parking(),
                c.logFormat(),
                c.tracing(),
                c.admission(),
                c.security());
    }

    /** Returns {@code c} with MaxSteps, MaxBranchPayload and BranchUrlAllowlist from {@code admission}. */
    public static ServerConfig admission(ServerConfig c, ServerConfig.Admission admission) {
        return new ServerConfig(
                c.httpPort(),
                c.grpcPort(),
                c.store(),
                c.transCronInterval(),
                c.timeoutToFail(),
                c.retryInterval(),
                c.maxRetryInterval(),
                c.requestTimeout(),
                c.logLevel(),
                c.alertRetryLimit(),
                c.alertWebHook(),
                c.configUpdateInterval(),
                c.cronWorkers(),
                c.grpcServiceConfig(),
                c.microService(),
                c.parking(),
                c.logFormat(),
                c.tracing(),
                admission,
                c.security());
    }

    /** Returns {@code c} with ApiTokens and Tls.* from {@code security}. */
    public static ServerConfig security(ServerConfig c, ServerConfig.Security security) {
        return new ServerConfig(
                c.httpPort(),
                c.grpcPort(),
                c.store(),
                c.transCronInterval(),
                c.timeoutToFail(),
                c.retryInterval(),
                c.maxRetryInterval(),
                c.requestTimeout(),
                c.logLevel(),
                c.alertRetryLimit(),
                c.alertWebHook(),
                c.configUpdateInterval(),
                c.cronWorkers(),
                c.grpcServiceConfig(),
                c.microService(),
                c.parking(),
                c.logFormat(),
                c.tracing(),
                c.admission(),
                security);
    }
}
