package io.dtm4j.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.dtm4j.discovery.Registration;
import io.dtm4j.discovery.ServiceMethod;
import io.dtm4j.discovery.grpc.DiscoveryNameResolverProvider;
import io.dtm4j.server.admin.AuditLog;
import io.dtm4j.server.admin.Nodes;
import io.dtm4j.server.api.HttpApi;
import io.dtm4j.server.api.grpc.GrpcApi;
import io.dtm4j.server.config.GrpcServiceConfig;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.discovery.MicroServiceDriver;
import io.dtm4j.server.discovery.MicroServiceDrivers;
import io.dtm4j.server.engine.Alerts;
import io.dtm4j.server.engine.Attempts;
import io.dtm4j.server.engine.BranchUrls;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.engine.EngineContext;
import io.dtm4j.server.engine.Gids;
import io.dtm4j.server.engine.Parking;
import io.dtm4j.server.engine.Scheduler;
import io.dtm4j.server.engine.Tracing;
import io.dtm4j.server.invoke.HttpInvoker;
import io.dtm4j.server.invoke.Invoker;
import io.dtm4j.server.invoke.JsonRpcInvoker;
import io.dtm4j.server.invoke.ProtocolInvoker;
import io.dtm4j.server.invoke.broker.BrokerInvoker;
import io.dtm4j.server.invoke.grpc.GrpcInvoker;
import io.dtm4j.server.invoke.grpc.GrpcTarget;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.metrics.TimedStore;
import io.dtm4j.server.security.ConsoleAccess;
import io.dtm4j.server.store.Retention;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.embedded.EmbeddedStore;
import io.dtm4j.server.store.jdbc.JdbcStore;
import io.dtm4j.server.store.redis.RedisStore;
import io.dtm4j.server.topic.Topics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running dtm4j server. {@link #start} assembles it in order: store, invokers, topics, engine,
 * scheduler, HTTP and gRPC APIs; {@link #close} takes it down in reverse.
 */
public final class Dtm4jServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dtm4jServer.class);
    /** Largest accepted request body. */
    static final long MAX_BODY_BYTES = 4L << 20;

    private final Vertx vertx;
    private final Store store;
    private final Invoker invoker;
    private final ExecutorService virtualThreads;
    private final ScheduledExecutorService timers;
    private final Engine engine;
    private final Scheduler scheduler;
    private final HttpServer http;
    private final GrpcApi grpc;
    private final Tracing tracing;
    private final Nodes nodes;
    private volatile Registration registration = Registration.NONE;

    private Dtm4jServer(
            Vertx vertx,
            Store store,
            Invoker invoker,
            ExecutorService virtualThreads,
            ScheduledExecutorService timers,
            Engine engine,
            Scheduler scheduler,
            HttpServer http,
            GrpcApi grpc,
            Tracing tracing,
            Nodes nodes) {
        this.vertx = vertx;
        this.store = store;
        this.invoker = invoker;
        this.virtualThreads = virtualThreads;
        this.timers = timers;
        this.engine = engine;
        this.scheduler = scheduler;
        this.http = http;
        this.grpc = grpc;
        this.tracing = tracing;
        this.nodes = nodes;
    }

    /**
     * Starts a server.
     *
     * @param clock the time source of every transaction decision; tests pass a movable one
     * @param runScheduler whether the recovery loop runs; tests drive {@link #scheduler()} instead
     */
    public static Dtm4jServer start(ServerConfig config, Clock clock, boolean runScheduler) {
        return start(config, clock, runScheduler, Tracing.from(config.tracing()));
    }

    /** As {@link #start(ServerConfig, Clock, boolean)}, with the spans going to {@code tracing} (closed with the server). */
    public static Dtm4jServer start(ServerConfig config, Clock clock, boolean runScheduler, Tracing tracing) {
        ObjectMapper json = jsonMapper();
        // the driver decides how gRPC branch URLs split and which registries their targets may name
        // (docs/protocol.md §14)
        MicroServiceDriver driver =
                MicroServiceDrivers.named(config.microService().driver());
        DiscoveryNameResolverProvider.install(driver.resolvers());
        var metrics = new Metrics(version());
        Store store = new TimedStore(openStore(config), metrics, tracing.storeEvents());
        var vertx = Vertx.vertx(new VertxOptions()
                .setPreferNativeTransport(true)
                .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
        var virtualThreads = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("dtm4j-", 0).factory());
        var timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("dtm4j-timer").daemon().factory());
        var httpInvoker = new HttpInvoker(vertx, 1000);
        var invoker = new ProtocolInvoker(Map.of(
                ProtocolInvoker.HTTP,
                httpInvoker,
                ProtocolInvoker.JSON_RPC,
                new JsonRpcInvoker(vertx, 1000, json),
                ProtocolInvoker.BROKER,
                new BrokerInvoker(config.brokers(), metrics),
                ProtocolInvoker.GRPC,
                new GrpcInvoker(
                        url -> {
                            ServiceMethod split = driver.split(url);
                            return new GrpcTarget(split.target(), split.fullMethodName());
                        },
                        GrpcServiceConfig.parse(config.grpcServiceConfig()))));
        var topics = new Topics(store, clock, json);
        topics.refresh();
        timers.scheduleWithFixedDelay(
                () -> refreshQuietly(topics),
                config.configUpdateInterval(),
                config.configUpdateInterval(),
                TimeUnit.SECONDS);
        long retention = config.store().finishedRetention();
        if (retention > 0) {
            timers.scheduleWithFixedDelay(
                    new Retention(store, clock, Duration.ofSeconds(retention)), 10, 60, TimeUnit.SECONDS);
        }
        var alerts = new Alerts(config.alertWebHook(), config.alertRetryLimit(), httpInvoker, virtualThreads, json);
        var parking = new Parking(store, json, clock);
        metrics.parkedNow(parking::count);
        metrics.dueNow(() -> store.countDue(clock.instant()));
        var branchUrls = new BranchUrls(driver::split, config.admission().branchUrlAllowlist(), config.brokers());
        var attempts = new Attempts(store, json);
        timers.scheduleWithFixedDelay(() -> pruneQuietly(attempts), 10, 10, TimeUnit.MINUTES);
        var ctx = new EngineContext(
                config, clock, store, invoker, topics, metrics, alerts, parking, tracing, branchUrls, attempts, json);
        var engine = new Engine(ctx, virtualThreads);
        var scheduler = new Scheduler(store, engine, clock, config, virtualThreads);
        var nodes = new Nodes(store, json, clock, engine::activeRounds);
        var api = new HttpApi(
                engine,
                nodes,
                store,
                topics,
                metrics,
                clock,
                json,
                virtualThreads,
                config.timeoutToFail(),
                MAX_BODY_BYTES,
                version(),
                config.security().apiTokens(),
                consoleAccess(config.security().console(), clock),
                new AuditLog(store, json, clock));
        HttpServer http = null;
        GrpcApi grpc = null;
        try {
            // gRPC first: once HTTP answers /api/ping (the readiness probe) both APIs serve
            grpc = GrpcApi.start(config.grpcPort(), engine, topics, metrics, json, virtualThreads, config.security());
            http = listenHttp(vertx, api, config.httpPort(), config.security().tls());
        } catch (RuntimeException e) {
            // give back what this start took (the gRPC port, the store's lock, threads): a caller may retry
            new Dtm4jServer(
                            vertx,
                            store,
                            invoker,
                            virtualThreads,
                            timers,
                            engine,
                            scheduler,
                            http,
                            grpc,
                            tracing,
                            nodes)
                    .close();
            throw e;
        }
        nodes.join(new Nodes.Node(
                Gids.newGid(),
                hostName(),
                http.actualPort(),
                grpc.port(),
                version(),
                ProcessHandle.current().pid(),
                clock.instant().toString(),
                "",
                0));
        if (runScheduler) {
            scheduler.start();
            timers.scheduleWithFixedDelay(
                    nodes::beatQuietly, Nodes.HEARTBEAT.toSeconds(), Nodes.HEARTBEAT.toSeconds(), TimeUnit.SECONDS);
        }
        log.info(
                "dtm4j {} listening on HTTP port {}, gRPC port {}, store {}",
                version(),
                http.actualPort(),
                grpc.port(),
                config.store().driver());
        var server = new Dtm4jServer(
                vertx, store, invoker, virtualThreads, timers, engine, scheduler, http, grpc, tracing, nodes);
        server.register(driver, config.microService());
        return server;
    }

    private static HttpServer listenHttp(Vertx vertx, HttpApi api, int port, ServerConfig.Tls tls) {
        var options = new HttpServerOptions()
                .setHost("0.0.0.0")
                .setPort(port)
                // Vert.x's default too, but a restart relies on it: the previous server's accepted
                // connections linger on this port in TIME_WAIT for a minute after it closed them
                .setReuseAddress(true);
        if (tls.enabled()) {
            options.setSsl(true)
                    .setKeyCertOptions(
                            new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile()));
            if (!tls.clientCaFile().isEmpty()) {
                options.setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCaFile()))
                        .setClientAuth(ClientAuth.REQUIRED);
            }
        }
        try {
            return vertx.createHttpServer(options)
                    .requestHandler(api.router(vertx))
                    .invalidRequestHandler(HttpApi::invalidRequest)
                    .listen()
                    .toCompletionStage()
                    .toCompletableFuture()
                    .join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot listen on HttpPort " + port + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * Publishes the server in its registry once it listens (docs/protocol.md §14); a failure stops
     * it, as in dtm.
     */
    private void register(MicroServiceDriver driver, ServerConfig.MicroServiceConfig settings) {
        try {
            if (driver.name().equals(ServerConfig.MicroServiceConfig.DEFAULT)
                    && !settings.target().isEmpty()) {
                log.warn("MicroService.Target is ignored: the default driver registers nowhere");
            }
            registration = driver.register(settings.target(), settings.endPoint());
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException(
                    "cannot register in MicroService.Target " + settings.target() + ": " + e.getMessage(), e);
        }
    }

    /** Who may use the console; says in the log when it answers loopback clients only, or everyone. */
    private static ConsoleAccess consoleAccess(ServerConfig.Console c, Clock clock) {
        var access = new ConsoleAccess(c, clock);
        switch (access.mode()) {
            case "loopback" -> log.info("no Console.Users configured: the console answers loopback clients only");
            case "insecure" -> log.warn("Console.Insecure: the console answers every client without signing in");
            default -> {}
        }
        return access;
    }

    private static void pruneQuietly(Attempts attempts) {
        try {
            attempts.prune();
        } catch (RuntimeException e) {
            log.warn("attempt histories not pruned: {}", e.toString());
        }
    }

    /** The name of this machine (a container's is its host name), or "localhost" when it has none. */
    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** The nodes sharing this server's store, this one included. */
    public Nodes nodes() {
        return nodes;
    }

    public int httpPort() {
        return http.actualPort();
    }

    /** Returns the bound gRPC port (the free one chosen when {@code GrpcPort} is 0). */
    public int grpcPort() {
        return grpc.port();
    }

    public Engine engine() {
        return engine;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public Store store() {
        return store;
    }

    @Override
    public void close() {
        registration.close(); // first: clients stop picking this instance while it still answers
        scheduler.close();
        nodes.leave();
        // both listeners are closed (their ports free) before this returns; null after a failed start
        if (http != null) {
            http.close().toCompletionStage().toCompletableFuture().join();
        }
        if (grpc != null) {
            grpc.close();
        }
        timers.shutdownNow();
        virtualThreads.shutdown();
        try {
            virtualThreads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        invoker.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        store.close();
        tracing.close();
    }

    /** The JSON mapper of the whole server: lenient on input as dtm (case-insensitive keys, unknown keys ignored). */
    public static ObjectMapper jsonMapper() {
        return JsonMapper.builder()
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
    }

    /** Opens the store {@code config} names; the caller closes it. */
    public static Store openStore(ServerConfig config) {
        ServerConfig.StoreConfig c = config.store();
        return switch (c.driver()) {
            case "embedded" -> EmbeddedStore.open(c.dataDir());
            case "postgres", "mysql" -> JdbcStore.open(c);
            case "redis" ->
                RedisStore.open(new RedisStore.Config(
                        c.host(),
                        c.port(),
                        c.user(),
                        c.password(),
                        c.redisPrefix(),
                        Duration.ofSeconds(c.finishedDataExpire()),
                        c.redisWait(),
                        Duration.ofMillis(c.redisWaitTimeout())));
            default -> throw new IllegalArgumentException("Store.Driver (STORE_DRIVER) = " + c.driver() + ": unknown");
        };
    }

    private static void refreshQuietly(Topics topics) {
        try {
            topics.refresh();
        } catch (RuntimeException e) {
            log.warn("cannot refresh topics: {}", e.getMessage());
        }
    }

    /** Returns the version reported by {@code /api/dtmsvr/version}, e.g. {@code v0.1.0}. */
    public static String version() {
        try (InputStream in = Dtm4jServer.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "0.0.0-dev");
            return "v" + (v.startsWith("$") ? "0.0.0-dev" : v);
        } catch (IOException e) {
            return "v0.0.0-dev";
        }
    }
}
