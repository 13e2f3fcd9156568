package io.dtm4j.server.config;

import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.security.ConsoleUsers;
import io.dtm4j.server.security.HostAllowlist;
import java.nio.file.Path;
import java.util.List;

/**
 * The validated, immutable server configuration. Durations are in seconds. Built by {@link
 * ConfigLoader} from defaults, environment variables and a YAML file, with dtm's keys.
 *
 * @param httpPort {@code HttpPort}; 0 picks a free port
 * @param grpcPort {@code GrpcPort}; 0 picks a free port
 * @param transCronInterval {@code TransCronInterval}: pause of the scheduler when nothing is due
 * @param timeoutToFail {@code TimeoutToFail}: default timeout of msg, tcc and xa
 * @param retryInterval {@code RetryInterval}: base retry interval and scheduler claim lease
 * @param maxRetryInterval {@code MaxRetryInterval} (dtm4j only): cap of the doubling backoff; 0 =
 *     no cap, as in dtm
 * @param requestTimeout {@code RequestTimeout}: default timeout of one branch call
 * @param logLevel {@code LogLevel}: debug, info, warn or error
 * @param alertRetryLimit {@code AlertRetryLimit}: consecutive failures before the webhook fires
 * @param alertWebHook {@code AlertWebHook}: URL receiving alerts; empty = none
 * @param configUpdateInterval {@code ConfigUpdateInterval}: refresh period of the topic cache
 * @param cronWorkers {@code CronWorkers} (dtm4j only): transactions recovered in parallel
 * @param grpcServiceConfig {@code GrpcServiceConfig}: the default gRPC service config (JSON) of the
 *     channels to business services, e.g. their load balancing; round robin by default
 * @param microService {@code MicroService.*}: service discovery and self-registration
 * @param parking {@code ParkAfterRetries} and {@code ParkAfterSeconds} (dtm4j only): when a
 *     transaction that keeps failing stops being retried
 * @param logFormat {@code LogFormat} (dtm4j only): {@code text}, or {@code json} for one JSON object
 *     per line
 * @param tracing {@code Tracing.*} (dtm4j only): the server's own spans
 * @param admission {@code MaxSteps}, {@code MaxBranchPayload} and {@code BranchUrlAllowlist} (dtm4j
 *     only): what a transaction must satisfy to be accepted
 * @param security {@code ApiTokens} and {@code Tls.*} (dtm4j only): who may use the API, over what
 * @param brokers {@code Brokers} (dtm4j only): the message brokers, by name, that broker branch URLs
 *     such as {@code amqp://NAME?exchange=x} publish to (docs/brokers.md)
 */
public record ServerConfig(
        int httpPort,
        int grpcPort,
        StoreConfig store,
        long transCronInterval,
        long timeoutToFail,
        long retryInterval,
        long maxRetryInterval,
        long requestTimeout,
        String logLevel,
        long alertRetryLimit,
        String alertWebHook,
        long configUpdateInterval,
        int cronWorkers,
        String grpcServiceConfig,
        MicroServiceConfig microService,
        Parking parking,
        String logFormat,
        TracingConfig tracing,
        Admission admission,
        Security security,
        java.util.Map<String, Broker> brokers) {

    /** dtm's default {@code GrpcServiceConfig}: spread calls over every address a target resolves to. */
    public static final String DEFAULT_GRPC_SERVICE_CONFIG = "{\"loadBalancingConfig\": [{\"round_robin\":{}}]}";

    /**
     * The retry budget after which a transaction is parked (docs/observability.md#parking): no more
     * calls until an operator replays it. 0 = no limit of that kind; both 0 = never park, as dtm.
     *
     * @param afterRetries consecutive failed attempts
     * @param afterSeconds age since the transaction was created
     */
    public record Parking(long afterRetries, long afterSeconds) {
        public static final Parking NEVER = new Parking(0, 0);

        /**
         * The most consecutive failures the backoff interval can record when it doubles from {@code
         * retryInterval} and stops at {@code maxRetryInterval} (failures are counted from the interval,
         * see RetryPolicy.consecutiveFailures); unlimited when there is no cap.
         */
        public static long countableFailures(long retryInterval, long maxRetryInterval) {
            if (maxRetryInterval <= 0) {
                return Long.MAX_VALUE;
            }
            return 63 - Long.numberOfLeadingZeros(Math.max(1, maxRetryInterval / retryInterval));
        }
    }

    /**
     * What a transaction must satisfy to be accepted (docs/security.md): checked before anything is
     * written, a refusal is a 400 naming the limit.
     *
     * @param maxSteps steps of a saga or msg request
     * @param maxBranchPayload bytes of one branch's payload (a step's, a registered branch's data)
     * @param branchUrlAllowlist the hosts branch URLs may name; empty = any
     */
    public record Admission(int maxSteps, int maxBranchPayload, HostAllowlist branchUrlAllowlist) {
        public static final Admission DEFAULT = new Admission(1000, 1 << 20, HostAllowlist.ANY);
    }

    /**
     * Who may use the API, and over what (docs/security.md).
     *
     * @param apiTokens the bearer tokens the transaction API (HTTP, JSON-RPC, gRPC) requires; none =
     *     open, as dtm
     * @param tls TLS on the HTTP and gRPC ports
     */
    public record Security(ApiTokens apiTokens, Tls tls, Console console) {
        public static final Security OPEN = new Security(ApiTokens.NONE, Tls.NONE, Console.LOOPBACK);

        /** No console user: the console answers loopback clients only. */
        public Security(ApiTokens apiTokens, Tls tls) {
            this(apiTokens, tls, Console.LOOPBACK);
        }
    }

    /**
     * Who may use the console (docs/security.md#console).
     *
     * @param users {@code Console.Users}: {@code name:role:bcrypt-hash} entries; none = loopback
     *     clients only
     * @param insecure {@code Console.Insecure}: without users, answer every client (never without a
     *     reason)
     * @param sessionKey {@code Console.SessionKey}: signs session cookies; the same on nodes behind one
     *     address; empty = random per start
     * @param sessionMinutes {@code Console.SessionMinutes}: how long a sign-in lasts
     * @param basePath dtm's {@code AdminBasePath}: the console lives at {@code <basePath>/admin/}
     *     (empty, or a path starting with {@code /} and not ending with one)
     * @param oidc {@code Console.Oidc.*}: sign-in through an OpenID Connect provider
     */
    public record Console(
            ConsoleUsers users, boolean insecure, String sessionKey, long sessionMinutes, String basePath, Oidc oidc) {
        public static final Console LOOPBACK = new Console(ConsoleUsers.NONE, false, "", 480, "", Oidc.NONE);

        /** Password users only, at the root path. */
        public Console(ConsoleUsers users, boolean insecure, String sessionKey, long sessionMinutes) {
            this(users, insecure, sessionKey, sessionMinutes, "", Oidc.NONE);
        }

        /** Every field but the secrets, which must not reach a log line. */
        @Override
        public String toString() {
            return "Console[users=%s, insecure=%s, sessionKey=%s, sessionMinutes=%d, basePath=%s, oidc=%s]"
                    .formatted(users, insecure, sessionKey.isEmpty() ? "" : "***", sessionMinutes, basePath, oidc);
        }
    }

    /**
     * Console sign-in through an OpenID Connect provider (authorization code flow with PKCE).
     *
     * @param issuer {@code Console.Oidc.Issuer}: the provider's issuer URL; empty = no OIDC
     * @param clientId {@code Console.Oidc.ClientId}
     * @param clientSecret {@code Console.Oidc.ClientSecret}: empty for a public client
     * @param redirectUrl {@code Console.Oidc.RedirectUrl}: this console's callback as the browser
     *     reaches it, {@code https://host/<basePath>/admin/api/oidc/callback}, registered at the provider
     * @param users {@code Console.Oidc.Users}: who gets which role, {@code identity:role} where identity
     *     is an e-mail address, a subject, {@code *@domain}, {@code group:NAME} or {@code *}
     */
    public record Oidc(String issuer, String clientId, String clientSecret, String redirectUrl, List<String> users) {
        public static final Oidc NONE = new Oidc("", "", "", "", List.of());

        public boolean enabled() {
            return !issuer.isEmpty();
        }

        @Override
        public String toString() {
            return "Oidc[issuer=%s, clientId=%s, clientSecret=%s, redirectUrl=%s, users=%s]"
                    .formatted(issuer, clientId, clientSecret.isEmpty() ? "" : "***", redirectUrl, users);
        }
    }

    /**
     * TLS on both ports, from PEM files; empty paths = plaintext.
     *
     * @param certFile {@code Tls.CertFile}: the server's certificate chain
     * @param keyFile {@code Tls.KeyFile}: its private key (PKCS#8)
     * @param clientCaFile {@code Tls.ClientCaFile}: when set, clients must present a certificate
     *     signed by one of these CAs (mutual TLS)
     */
    public record Tls(String certFile, String keyFile, String clientCaFile) {
        public static final Tls NONE = new Tls("", "", "");

        public boolean enabled() {
            return !certFile.isEmpty();
        }
    }

    /**
     * The server's spans (docs/observability.md#tracing). The standard {@code OTEL_*} variables
     * override these keys; every other {@code OTEL_*} variable applies as well.
     *
     * @param exporter {@code Tracing.Exporter}: {@code none} (default: no spans, W3C context still
     *     propagated), {@code otlp} or {@code console}
     * @param endpoint {@code Tracing.Endpoint}: the OTLP endpoint; empty = the exporter's default
     * @param protocol {@code Tracing.Protocol}: {@code http/protobuf} (default) or {@code grpc}
     * @param sampleRatio {@code Tracing.SampleRatio}: share of new traces recorded, 0 to 1; a trace
     *     the caller sampled is followed whatever the ratio
     * @param storeEvents {@code Tracing.StoreEvents}: each store write of a round becomes an event of
     *     its span, with its duration
     */
    public record TracingConfig(
            String exporter, String endpoint, String protocol, double sampleRatio, boolean storeEvents) {
        public static final TracingConfig NONE = new TracingConfig("none", "", "http/protobuf", 1.0, false);
    }

    /**
     * Service-discovery settings ({@code MicroService.*}, dtm's drivers, docs/protocol.md §14).
     *
     * @param driver {@code default} (URLs are host:port, no registration) or {@code dtm-driver-gozero}
     *     (etcd URLs, registration in etcd)
     * @param target where the server registers itself, e.g. {@code etcd://localhost:2379/dtmservice};
     *     empty = no registration
     * @param endPoint the address published for the server's gRPC port, e.g. {@code localhost:36790}
     */
    public record MicroServiceConfig(String driver, String target, String endPoint) {
        public static final String DEFAULT = "default";
        public static final String GOZERO = "dtm-driver-gozero";
        /** The default driver, no registration. */
        public static final MicroServiceConfig NONE = new MicroServiceConfig(DEFAULT, "", "");
    }

    /**
     * Storage settings ({@code Store.*}).
     *
     * @param driver {@code embedded} (default; {@code boltdb} is accepted as an alias), {@code
     *     mysql}, {@code postgres} or {@code redis}
     * @param dataDir {@code Store.DataDir} (dtm4j only): directory of the embedded database
     * @param dataExpire {@code Store.DataExpire}: seconds
     * @param finishedDataExpire {@code Store.FinishedDataExpire}: seconds
     * @param finishedRetention {@code Store.FinishedRetention} (dtm4j only): finished transactions
     *     older than this many seconds are deleted; 0 keeps them forever (dtm's SQL behaviour)
     * @param redisWait {@code Store.RedisWait} (dtm4j only): replicas that must acknowledge every
     *     Redis write before it is acknowledged ({@code WAIT}); 0 does not wait
     * @param redisWaitTimeout {@code Store.RedisWaitTimeout} (dtm4j only): milliseconds a write
     *     waits for them before it fails
     */
    public record StoreConfig(
            String driver,
            String host,
            int port,
            String user,
            String password,
            String db,
            String schema,
            int maxOpenConns,
            int maxIdleConns,
            long connMaxLifeTime,
            long dataExpire,
            long finishedDataExpire,
            String redisPrefix,
            Path dataDir,
            long finishedRetention,
            int redisWait,
            long redisWaitTimeout) {

        /** Settings without Redis replica acknowledgements ({@code RedisWait} 0, timeout 1000 ms). */
        public StoreConfig(
                String driver,
                String host,
                int port,
                String user,
                String password,
                String db,
                String schema,
                int maxOpenConns,
                int maxIdleConns,
                long connMaxLifeTime,
                long dataExpire,
                long finishedDataExpire,
                String redisPrefix,
                Path dataDir,
                long finishedRetention) {
            this(
                    driver,
                    host,
                    port,
                    user,
                    password,
                    db,
                    schema,
                    maxOpenConns,
                    maxIdleConns,
                    connMaxLifeTime,
                    dataExpire,
                    finishedDataExpire,
                    redisPrefix,
                    dataDir,
                    finishedRetention,
                    0,
                    1000);
        }

        /** Every field but the password, which must not reach a log line. */
        @Override
        public String toString() {
            return "StoreConfig[driver=%s, host=%s, port=%d, user=%s, password=%s, db=%s, schema=%s, maxOpenConns=%d,"
                            .formatted(
                                    driver, host, port, user, password.isEmpty() ? "" : "***", db, schema, maxOpenConns)
                    + " maxIdleConns=%d, connMaxLifeTime=%d, dataExpire=%d, finishedDataExpire=%d, redisPrefix=%s,"
                            .formatted(maxIdleConns, connMaxLifeTime, dataExpire, finishedDataExpire, redisPrefix)
                    + " dataDir=%s, finishedRetention=%d, redisWait=%d, redisWaitTimeout=%d]"
                            .formatted(dataDir, finishedRetention, redisWait, redisWaitTimeout);
        }
    }

    /** Returns the defaults of every key, as dtm has them (data directory: ~/.dtm4j/data). */
    public static ServerConfig defaults() {
        return new ServerConfig(
                36789,
                36790,
                new StoreConfig(
                        "embedded",
                        "",
                        0,
                        "",
                        "",
                        "dtm",
                        "public",
                        500,
                        500,
                        5,
                        604800,
                        86400,
                        "{a}",
                        Path.of(System.getProperty("user.home"), ".dtm4j", "data"),
                        0),
                3,
                35,
                10,
                3600,
                3,
                "info",
                3,
                "",
                3,
                // recovery in parallel: a PostgreSQL backlog drains at 3,300/s with 32, 4,000/s with 64,
                // hardly more with 128, which needs as many connections as PostgreSQL allows (benchmarks.md)
                64,
                DEFAULT_GRPC_SERVICE_CONFIG,
                MicroServiceConfig.NONE,
                Parking.NEVER,
                "text",
                TracingConfig.NONE,
                Admission.DEFAULT,
                Security.OPEN,
                java.util.Map.of());
    }

    /** Returns a copy with logLevel replaced (used for the {@code -d} flag). */
    public ServerConfig withLogLevel(String level) {
        return with(c -> c.logLevel = level);
    }

    /** Returns a copy with the {@code MicroService.*} settings replaced. */
    public ServerConfig withMicroService(MicroServiceConfig settings) {
        return with(c -> c.microService = settings);
    }

    /** Returns a copy with the parking budget replaced. */
    public ServerConfig withParking(Parking budget) {
        return with(c -> c.parking = budget);
    }

    /** Returns a copy with the {@code Brokers} entries replaced. */
    public ServerConfig withBrokers(java.util.Map<String, Broker> entries) {
        return with(c -> c.brokers = java.util.Map.copyOf(entries));
    }

    /** Returns a copy with the settings {@code change} sets; the others are taken over as they are. */
    public ServerConfig with(java.util.function.Consumer<Changes> change) {
        Changes c = new Changes(this);
        change.accept(c);
        return c.build();
    }

    /** The settings of a copy being made by {@link #with}, each starting as the original's. */
    public static final class Changes {
        public int httpPort;
        public int grpcPort;
        public StoreConfig store;
        public long transCronInterval;
        public long timeoutToFail;
        public long retryInterval;
        public long maxRetryInterval;
        public long requestTimeout;
        public String logLevel;
        public long alertRetryLimit;
        public String alertWebHook;
        public long configUpdateInterval;
        public int cronWorkers;
        public String grpcServiceConfig;
        public MicroServiceConfig microService;
        public Parking parking;
        public String logFormat;
        public TracingConfig tracing;
        public Admission admission;
        public Security security;
        public java.util.Map<String, Broker> brokers;

        private Changes(ServerConfig c) {
            httpPort = c.httpPort;
            grpcPort = c.grpcPort;
            store = c.store;
            transCronInterval = c.transCronInterval;
            timeoutToFail = c.timeoutToFail;
            retryInterval = c.retryInterval;
            maxRetryInterval = c.maxRetryInterval;
            requestTimeout = c.requestTimeout;
            logLevel = c.logLevel;
            alertRetryLimit = c.alertRetryLimit;
            alertWebHook = c.alertWebHook;
            configUpdateInterval = c.configUpdateInterval;
            cronWorkers = c.cronWorkers;
            grpcServiceConfig = c.grpcServiceConfig;
            microService = c.microService;
            parking = c.parking;
            logFormat = c.logFormat;
            tracing = c.tracing;
            admission = c.admission;
            security = c.security;
            brokers = c.brokers;
        }

        private ServerConfig build() {
            return new ServerConfig(
                    httpPort,
                    grpcPort,
                    store,
                    transCronInterval,
                    timeoutToFail,
                    retryInterval,
                    maxRetryInterval,
                    requestTimeout,
                    logLevel,
                    alertRetryLimit,
                    alertWebHook,
                    configUpdateInterval,
                    cronWorkers,
                    grpcServiceConfig,
                    microService,
                    parking,
                    logFormat,
                    tracing,
                    admission,
                    security,
                    brokers);
        }
    }

    /**
     * One {@code Brokers.NAME} entry: a message broker that branch URLs name instead of carrying its
     * address and credentials (docs/brokers.md).
     *
     * @param kind {@code amqp} (RabbitMQ), {@code nats} (NATS JetStream) or {@code kafka}; a URL's
     *     scheme must match the kind of the broker it names
     * @param addresses {@code Address}: {@code host:port} items, comma-separated (the first that answers
     *     is used; Kafka's bootstrap servers)
     * @param user {@code User}; empty for none (RabbitMQ then logs in as guest)
     * @param password {@code Password}; never logged
     * @param virtualHost {@code VirtualHost}: RabbitMQ's virtual host, {@code /} by default
     */
    public record Broker(String kind, List<String> addresses, String user, String password, String virtualHost) {
        public static final List<String> KINDS = List.of("amqp", "nats", "kafka");

        public Broker {
            addresses = List.copyOf(addresses);
        }

        @Override
        public String toString() {
            return kind + "://" + (user.isEmpty() ? "" : user + ":***@") + String.join(",", addresses)
                    + (kind.equals("amqp") ? " vhost " + virtualHost : "");
        }
    }
}
