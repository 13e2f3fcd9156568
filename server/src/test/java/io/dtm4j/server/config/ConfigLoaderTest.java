package io.dtm4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Logger loaderLog;

    @BeforeEach
    void captureLog() {
        // While another test class initialises SLF4J in parallel, getLogger returns a stand-in.
        await().until(() -> LoggerFactory.getLogger(ConfigLoader.class) instanceof Logger);
        loaderLog = (Logger) LoggerFactory.getLogger(ConfigLoader.class);
        logged.start();
        loaderLog.addAppender(logged);
        // Independent of the root level, which LoggingTest changes concurrently.
        loaderLog.setLevel(ch.qos.logback.classic.Level.INFO);
    }

    @AfterEach
    void releaseLog() {
        loaderLog.detachAppender(logged);
        loaderLog.setLevel(null);
    }

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("conf.yml"), text);
    }

    private ServerConfig load(Path file, Map<String, String> env) {
        return ConfigLoader.load(file, env, dir);
    }

    private List<String> problems(Path file, Map<String, String> env) {
        try {
            load(file, env);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected a ConfigException");
    }

    private List<String> problemsOfEnv(String name, String value) {
        return problems(null, Map.of(name, value));
    }

    @Test
    void noFileAndNoEnvironmentGivesTheDefaults() {
        assertThat(load(null, Map.of())).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void theParkingBudgetComesFromItsKeysAndMustBeReachable() {
        assertThat(ServerConfig.defaults().parking()).isEqualTo(ServerConfig.Parking.NEVER);
        ServerConfig c = load(null, Map.of("PARK_AFTER_RETRIES", "4", "PARK_AFTER_SECONDS", "86400"));
        assertThat(c.parking()).isEqualTo(new ServerConfig.Parking(4, 86400));
        // 10 s doubling to the 300 s cap counts at most 4 failures; without a cap, any count
        assertThat(problems(null, Map.of("PARK_AFTER_RETRIES", "5", "MAX_RETRY_INTERVAL", "300")))
                .singleElement()
                .asString()
                .startsWith("ParkAfterRetries (PARK_AFTER_RETRIES) = 5: is never reached with MaxRetryInterval 300");
        assertThat(load(null, Map.of("PARK_AFTER_RETRIES", "40", "MAX_RETRY_INTERVAL", "0"))
                        .parking()
                        .afterRetries())
                .isEqualTo(40);
    }

    @Test
    void tracingIsOffByDefaultAndReadFromItsSection() throws IOException {
        assertThat(ServerConfig.defaults().tracing()).isEqualTo(ServerConfig.TracingConfig.NONE);
        Path file = yaml("""
                tracing:
                  Exporter: OTLP
                  Endpoint: http://collector:4318
                  protocol: grpc
                  SampleRatio: 0.25
                  StoreEvents: true
                """);
        assertThat(load(file, Map.of("TRACING_EXPORTER", "console")).tracing())
                .isEqualTo(new ServerConfig.TracingConfig("otlp", "http://collector:4318", "grpc", 0.25, true));
        assertThat(load(null, Map.of("TRACING_EXPORTER", "console")).tracing().exporter())
                .isEqualTo("console");
    }

    @Test
    void admissionLimitsAndTheAllowlistComeFromTheirKeysAndYamlLists() throws IOException {
        assertThat(ServerConfig.defaults().admission()).isEqualTo(ServerConfig.Admission.DEFAULT);
        Path file = yaml("""
                MaxSteps: 50
                MaxBranchPayload: 65536
                BranchUrlAllowlist:
                  - 10.0.0.0/8
                  - '*.svc.cluster.local'
                """);
        ServerConfig.Admission a = load(file, Map.of()).admission();
        assertThat(a.maxSteps()).isEqualTo(50);
        assertThat(a.maxBranchPayload()).isEqualTo(65536);
        assertThat(a.branchUrlAllowlist().allows("10.2.3.4", 80)).isTrue();
        assertThat(a.branchUrlAllowlist().allows("a.svc.cluster.local", 80)).isTrue();
        assertThat(a.branchUrlAllowlist().allows("169.254.169.254", 80)).isFalse();
        assertThat(load(null, Map.of("BRANCH_URL_ALLOWLIST", "busi:8081, ledger"))
                        .admission()
                        .branchUrlAllowlist()
                        .allows("ledger", 1))
                .isTrue();
    }

    @Test
    void brokersAreNamedEntriesFromYamlOrTheBrokersVariableWithoutShowingTheirPasswords() throws IOException {
        assertThat(ServerConfig.defaults().brokers()).isEmpty();
        Path file = yaml("""
                brokers:
                  rabbit-main:
                    Kind: amqp
                    Address: rabbit1:5672, rabbit2:5672
                    User: dtm
                    Password: s3cret
                    VirtualHost: payments
                  events:
                    kind: NATS
                    address: [ "nats1:4222", "nats2:4222" ]
                """);
        var brokers = load(file, Map.of()).brokers();
        assertThat(brokers).containsOnlyKeys("rabbit-main", "events");
        assertThat(brokers.get("rabbit-main"))
                .isEqualTo(new ServerConfig.Broker(
                        "amqp", List.of("rabbit1:5672", "rabbit2:5672"), "dtm", "s3cret", "payments"));
        assertThat(brokers.get("rabbit-main").toString())
                .doesNotContain("s3cret")
                .contains("dtm:***@");
        assertThat(brokers.get("events").addresses()).containsExactly("nats1:4222", "nats2:4222");
        assertThat(brokers.get("events").virtualHost()).isEqualTo("/");

        var fromEnv = load(null, Map.of("BROKERS", "{log: {Kind: kafka, Address: 'k1:9092'}}"))
                .brokers();
        assertThat(fromEnv.get("log").kind()).isEqualTo("kafka");

        assertThat(problems(yaml("""
                        Brokers:
                          a:
                            Kind: mqtt
                            Address: h:1
                          b:
                            Kind: amqp
                            Address: amqp://h:5672
                          c:
                            Kind: nats
                          d:
                            Kind: nats
                            Address: h:4222
                            Pasword: x
                        """), Map.of()))
                .anySatisfy(
                        p -> assertThat(p).startsWith("Brokers.a.Kind").contains("must be one of [amqp, nats, kafka]"))
                .anySatisfy(p -> assertThat(p)
                        .startsWith("Brokers.b.Address (BROKERS) = \"amqp://h:5672\"")
                        .contains("host:port, without a scheme"))
                .anySatisfy(p -> assertThat(p).startsWith("Brokers.c.Address").contains("at least one host:port"))
                .anySatisfy(p -> assertThat(p).startsWith("Brokers.d.Pasword").contains("unknown setting"));
    }

    @Test
    void theStorePasswordNeverAppearsInTheConfigurationsText() {
        ServerConfig c = load(
                null,
                Map.of(
                        "STORE_DRIVER",
                        "postgres",
                        "STORE_HOST",
                        "db",
                        "STORE_PORT",
                        "5432",
                        "STORE_USER",
                        "dtm",
                        "STORE_PASSWORD",
                        "s3cr3t-Pw"));
        assertThat(c.store().password()).isEqualTo("s3cr3t-Pw");
        assertThat(c.toString()).doesNotContain("s3cr3t-Pw").contains("password=***", "user=dtm");
    }

    @Test
    void tlsNeedsItsCertificateAndKeyTogether() throws IOException {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertThat(problems(null, Map.of("TLS_CERT_FILE", cert.toString())))
                .containsExactly("Tls.KeyFile (TLS_KEY_FILE) = \"\": Tls.CertFile and Tls.KeyFile go together");
        assertThat(problems(null, Map.of("TLS_CLIENT_CA_FILE", cert.toString())))
                .containsExactly(
                        "Tls.ClientCaFile (TLS_CLIENT_CA_FILE) = \"" + cert + "\": needs Tls.CertFile and Tls.KeyFile");
        assertThat(problems(null, Map.of("TLS_CERT_FILE", "/nonexistent/cert.pem", "TLS_KEY_FILE", cert.toString())))
                .containsExactly("Tls.CertFile (TLS_CERT_FILE) = \"/nonexistent/cert.pem\": is not a readable file");
        ServerConfig.Tls tls = load(null, Map.of("TLS_CERT_FILE", "cert.pem", "TLS_KEY_FILE", "cert.pem"))
                .security()
                .tls();
        assertThat(tls.enabled()).isTrue();
        assertThat(tls.certFile()).isEqualTo(cert.toString()); // relative to the working directory
    }

    @Test
    void consoleUsersComeAsAYamlListAndBadOnesAreNamedWithoutTheirHash() throws IOException {
        String hash = io.dtm4j.server.security.ConsoleUsers.hash("a-long-password");
        Path file = yaml("""
                Console:
                  Users:
                    - 'alice:operator:%s'
                  SessionMinutes: 30
                """.formatted(hash));
        ServerConfig.Console console = load(file, Map.of()).security().console();
        assertThat(console.users().authenticate("alice", "a-long-password")).isPresent();
        assertThat(console.sessionMinutes()).isEqualTo(30);
        assertThat(console.toString()).doesNotContain(hash);

        assertThat(problems(null, Map.of("CONSOLE_USERS", "bob:admin:" + hash)))
                .containsExactly("Console.Users (CONSOLE_USERS) = \"(hidden)\": user 'bob' has role 'admin': viewer or"
                        + " operator");
        assertThat(problems(null, Map.of("CONSOLE_SESSION_KEY", "short")))
                .containsExactly("Console.SessionKey (CONSOLE_SESSION_KEY) = \"(hidden)\": must be at least 32"
                        + " characters (e.g. openssl rand -hex 32)");
    }

    @Test
    void singleSignOnAndTheAdminBasePathAreReadAndCheckedWithoutShowingTheSecret() throws IOException {
        Path file = yaml("""
                AdminBasePath: /ops/dtm/
                Console:
                  Oidc:
                    Issuer: https://login.example.com/realms/ops/
                    ClientId: dtm4j
                    ClientSecret: a-client-secret
                    RedirectUrl: https://dtm.example.com/ops/dtm/admin/api/oidc/callback
                    Users:
                      - ops@example.com:operator
                      - group:sre:operator
                """);
        ServerConfig.Console console = load(file, Map.of()).security().console();
        assertThat(console.basePath()).isEqualTo("/ops/dtm");
        assertThat(console.oidc())
                .isEqualTo(new ServerConfig.Oidc(
                        "https://login.example.com/realms/ops",
                        "dtm4j",
                        "a-client-secret",
                        "https://dtm.example.com/ops/dtm/admin/api/oidc/callback",
                        List.of("ops@example.com:operator", "group:sre:operator")));
        assertThat(console.toString()).doesNotContain("a-client-secret");

        assertThat(problems(null, Map.of("ADMIN_BASE_PATH", "ops dtm")))
                .containsExactly("AdminBasePath (ADMIN_BASE_PATH) = \"ops dtm\": must be a path such as /dtm (letters,"
                        + " digits, . _ ~ -)");
        assertThat(problems(
                        null,
                        Map.of(
                                "CONSOLE_OIDC_ISSUER", "https://login.example.com",
                                "CONSOLE_OIDC_REDIRECT_URL", "https://dtm.example.com/callback",
                                "CONSOLE_OIDC_USERS", "ops@example.com:admin")))
                .containsExactly(
                        "Console.Oidc.ClientId (CONSOLE_OIDC_CLIENT_ID) = \"\": is needed with Console.Oidc.Issuer",
                        "Console.Oidc.RedirectUrl (CONSOLE_OIDC_REDIRECT_URL) = \"https://dtm.example.com/callback\":"
                                + " must be this console's callback as browsers reach it:"
                                + " http(s)://host[/AdminBasePath]/admin/api/oidc/callback",
                        "Console.Oidc.Users (CONSOLE_OIDC_USERS) = \"ops@example.com:admin\": entry"
                                + " 'ops@example.com:admin' must be identity:role with role viewer or operator"
                                + " (identity: e-mail, subject, *@domain, group:NAME or *)");
    }

    @Test
    void environmentOverridesDefaults() {
        ServerConfig c = load(
                null,
                Map.of(
                        "HTTP_PORT", "8080",
                        "STORE_DRIVER", "redis",
                        "STORE_HOST", "localhost",
                        "STORE_PORT", "6379",
                        "STORE_DATA_DIR", "/var/lib/dtm4j",
                        "STORE_MAX_OPEN_CONNS", "20",
                        "MAX_RETRY_INTERVAL", "300",
                        "CRON_WORKERS", "8",
                        "ALERT_WEB_HOOK", "http://alerts/hook",
                        "PATH", "/usr/bin"));
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.store().driver()).isEqualTo("redis");
        assertThat(c.store().host()).isEqualTo("localhost");
        assertThat(c.store().port()).isEqualTo(6379);
        assertThat(c.store().dataDir()).isEqualTo(Path.of("/var/lib/dtm4j"));
        assertThat(c.store().maxOpenConns()).isEqualTo(20);
        assertThat(c.maxRetryInterval()).isEqualTo(300);
        assertThat(c.cronWorkers()).isEqualTo(8);
        assertThat(c.alertWebHook()).isEqualTo("http://alerts/hook");
        assertThat(c.grpcPort()).isEqualTo(36790);
    }

    @Test
    void emptyEnvironmentValuesCountAsUnset() {
        assertThat(load(null, Map.of("HTTP_PORT", ""))).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void yamlFileOverridesEnvironment() throws IOException {
        Path file = yaml("""
                HttpPort: 9000
                RetryInterval: 2
                Store:
                  Driver: postgres
                  Host: db.local
                  Port: 5432
                  User: dtm
                  Password: secret
                """);
        ServerConfig c = load(
                file, Map.of("HTTP_PORT", "8080", "RETRY_INTERVAL", "5", "STORE_DRIVER", "mysql", "GRPC_PORT", "7000"));
        assertThat(c.httpPort()).isEqualTo(9000);
        assertThat(c.retryInterval()).isEqualTo(2);
        assertThat(c.grpcPort()).isEqualTo(7000);
        assertThat(c.store().driver()).isEqualTo("postgres");
        assertThat(c.store().password()).isEqualTo("secret");
    }

    @Test
    void yamlKeysMatchCaseInsensitively() throws IOException {
        Path file = yaml("""
                httpport: 1234
                TRANSCRONINTERVAL: 7
                loglevel: DEBUG
                store:
                  DRIVER: Redis
                  host: r1
                  PORT: 6380
                  redisprefix: "{b}"
                """);
        ServerConfig c = load(file, Map.of());
        assertThat(c.httpPort()).isEqualTo(1234);
        assertThat(c.transCronInterval()).isEqualTo(7);
        assertThat(c.logLevel()).isEqualTo("debug");
        assertThat(c.store().driver()).isEqualTo("redis");
        assertThat(c.store().port()).isEqualTo(6380);
        assertThat(c.store().redisPrefix()).isEqualTo("{b}");
        assertThat(logged.list).noneMatch(e -> e.getFormattedMessage().contains("Unknown"));
    }

    @Test
    void boltdbIsServedByTheEmbeddedStore() {
        assertThat(load(null, Map.of("STORE_DRIVER", "boltdb")).store().driver())
                .isEqualTo("embedded");
        assertThat(logged.list)
                .anyMatch(e -> e.getFormattedMessage().contains("'boltdb'")
                        && e.getFormattedMessage().contains("'embedded'"));
    }

    @Test
    void dataDirExpandsTildeAndResolvesRelativePaths() {
        String home = System.getProperty("user.home");
        assertThat(load(null, Map.of("STORE_DATA_DIR", "~")).store().dataDir()).isEqualTo(Path.of(home));
        assertThat(load(null, Map.of("STORE_DATA_DIR", "~/dtm")).store().dataDir())
                .isEqualTo(Path.of(home, "dtm"));
        assertThat(load(null, Map.of("STORE_DATA_DIR", "data/../db")).store().dataDir())
                .isEqualTo(dir.resolve("db"));
    }

    @Test
    void unknownKeyIsWarnedAboutButDoesNotFail() throws IOException {
        Path file = yaml("""
                HttpPort: 1000
                Frobnicate: yes
                Store:
                  Colour: blue
                """);
        assertThat(load(file, Map.of()).httpPort()).isEqualTo(1000);
        assertThat(logged.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.contains("'Frobnicate'"))
                .anyMatch(m -> m.contains("'Store.Colour'"));
    }

    @Test
    void grpcServiceConfigIsReadAsJsonWithRoundRobinByDefault() throws IOException {
        assertThat(GrpcServiceConfig.parse(ServerConfig.defaults().grpcServiceConfig()))
                .isEqualTo(Map.of("loadBalancingConfig", List.of(Map.of("round_robin", Map.of()))));
        Path file = yaml("""
                GrpcServiceConfig: '{"loadBalancingConfig": [{"pick_first": {}}], "retryPolicy": {"maxAttempts": 3}}'
                """);

        String json = load(file, Map.of()).grpcServiceConfig();

        assertThat(GrpcServiceConfig.parse(json))
                .isEqualTo(Map.of(
                        "loadBalancingConfig", List.of(Map.of("pick_first", Map.of())),
                        "retryPolicy", Map.of("maxAttempts", 3.0)));
        assertThatThrownBy(() -> GrpcServiceConfig.parse("{\"a\": null}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("null");
    }

    @Test
    void dtmKeysNotUsedYetAreAcceptedSilently() throws IOException {
        Path file = yaml("""
                JsonRpcPort: 36791
                UpdateBranchSync: 1
                UpdateBranchAsyncGoroutineNum: 1
                TimeZoneOffset: 8
                HttpMicroService:
                  Driver: default
                  RegistryOptions: {}
                Log:
                  Outputs: stderr
                  RotationEnable: 0
                Store:
                  TransGlobalTable: dtm.trans_global
                """);
        assertThat(load(file, Map.of())).isEqualTo(ServerConfig.defaults());
        assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            HTTP_PORT              | 65536  | HttpPort (HTTP_PORT) = 65536: must be between 0 and 65535
            GRPC_PORT              | -1     | GrpcPort (GRPC_PORT) = -1: must be between 0 and 65535
            HTTP_PORT              | abc    | HttpPort (HTTP_PORT) = "abc": not an integer
            HTTP_PORT              | 1.5    | HttpPort (HTTP_PORT) = "1.5": not an integer
            HTTP_PORT              | 99999999999999999999 | HttpPort (HTTP_PORT) = "99999999999999999999": out of range
            RETRY_INTERVAL         | 0      | RetryInterval (RETRY_INTERVAL) = 0: must be at least 1 second
            TRANS_CRON_INTERVAL    | 0      | TransCronInterval (TRANS_CRON_INTERVAL) = 0: must be at least 1 second
            REQUEST_TIMEOUT        | 0      | RequestTimeout (REQUEST_TIMEOUT) = 0: must be at least 1 second
            TIMEOUT_TO_FAIL        | 9      | TimeoutToFail (TIMEOUT_TO_FAIL) = 9: must be at least RetryInterval (10)
            MAX_RETRY_INTERVAL     | 5      | MaxRetryInterval (MAX_RETRY_INTERVAL) = 5: must be 0 (no cap) or at least RetryInterval (10)
            ALERT_RETRY_LIMIT      | -1     | AlertRetryLimit (ALERT_RETRY_LIMIT) = -1: must be at least 0
            CONFIG_UPDATE_INTERVAL | 0      | ConfigUpdateInterval (CONFIG_UPDATE_INTERVAL) = 0: must be at least 1 second
            CRON_WORKERS           | 0      | CronWorkers (CRON_WORKERS) = 0: must be between 1 and 1024
            CRON_WORKERS           | 1025   | CronWorkers (CRON_WORKERS) = 1025: must be between 1 and 1024
            PARK_AFTER_RETRIES     | -1     | ParkAfterRetries (PARK_AFTER_RETRIES) = -1: must be at least 0
            PARK_AFTER_RETRIES     | 9      | ParkAfterRetries (PARK_AFTER_RETRIES) = 9: is never reached with MaxRetryInterval 3600: failures are counted by the doubling interval, which stops at 8 here (raise MaxRetryInterval or use ParkAfterSeconds)
            PARK_AFTER_SECONDS     | -1     | ParkAfterSeconds (PARK_AFTER_SECONDS) = -1: must be at least 0
            LOG_LEVEL              | verbose | LogLevel (LOG_LEVEL) = "verbose": must be one of debug, info, warn, error
            STORE_DRIVER           | sqlserver | Store.Driver (STORE_DRIVER) = "sqlserver": must be one of embedded, boltdb, mysql, postgres, redis
            STORE_PORT             | 70000  | Store.Port (STORE_PORT) = 70000: must be between 0 and 65535
            STORE_MAX_OPEN_CONNS   | 0      | Store.MaxOpenConns (STORE_MAX_OPEN_CONNS) = 0: must be at least 1
            STORE_MAX_IDLE_CONNS   | -1     | Store.MaxIdleConns (STORE_MAX_IDLE_CONNS) = -1: must be at least 0
            STORE_CONN_MAX_LIFE_TIME | -1   | Store.ConnMaxLifeTime (STORE_CONN_MAX_LIFE_TIME) = -1: must be at least 0 minutes
            STORE_DATA_EXPIRE      | 0      | Store.DataExpire (STORE_DATA_EXPIRE) = 0: must be at least 1 second
            STORE_FINISHED_DATA_EXPIRE | 0  | Store.FinishedDataExpire (STORE_FINISHED_DATA_EXPIRE) = 0: must be at least 1 second
            STORE_DATA_DIR         | ' '    | Store.DataDir (STORE_DATA_DIR) = " ": must not be empty
            GRPC_SERVICE_CONFIG    | '[1]'  | GrpcServiceConfig (GRPC_SERVICE_CONFIG) = "[1]": must be a JSON object
            MAX_STEPS              | 0      | MaxSteps (MAX_STEPS) = 0: must be at least 1
            MAX_BRANCH_PAYLOAD     | 0      | MaxBranchPayload (MAX_BRANCH_PAYLOAD) = 0: must be at least 1 byte
            BRANCH_URL_ALLOWLIST   | '10.0.0.0/40' | BranchUrlAllowlist (BRANCH_URL_ALLOWLIST) = "10.0.0.0/40": '10.0.0.0/40' is not an IP range such as 10.0.0.0/8
            API_TOKENS             | 'short' | ApiTokens (API_TOKENS) = "(hidden)": token 1 must be at least 16 characters without spaces (e.g. openssl rand -hex 32)
            TRACING_EXPORTER       | jaeger | Tracing.Exporter (TRACING_EXPORTER) = "jaeger": must be one of none, otlp, console
            TRACING_PROTOCOL       | http   | Tracing.Protocol (TRACING_PROTOCOL) = "http": must be http/protobuf or grpc
            TRACING_SAMPLE_RATIO   | 1.5    | Tracing.SampleRatio (TRACING_SAMPLE_RATIO) = "1.5": must be a number from 0 to 1
            TRACING_SAMPLE_RATIO   | half   | Tracing.SampleRatio (TRACING_SAMPLE_RATIO) = "half": must be a number from 0 to 1
            TRACING_STORE_EVENTS   | yes    | Tracing.StoreEvents (TRACING_STORE_EVENTS) = "yes": must be true or false
            """)
    void eachRuleIsReportedWithKeyEnvValueAndRule(String env, String value, String expected) {
        assertThat(problemsOfEnv(env, value)).containsExactly(expected);
    }

    @Test
    void portZeroPicksAFreePortAndIsAccepted() {
        assertThat(load(null, Map.of("HTTP_PORT", "0", "GRPC_PORT", "0")).httpPort())
                .isZero();
    }

    @Test
    void shortRetryIntervalsAreAllowedForFastCycles() {
        ServerConfig c = load(null, Map.of("RETRY_INTERVAL", "1", "TIMEOUT_TO_FAIL", "1", "MAX_RETRY_INTERVAL", "1"));
        assertThat(c.retryInterval()).isEqualTo(1);
        assertThat(c.timeoutToFail()).isEqualTo(1);
    }

    @Test
    void logLevelIsNormalisedToLowerCase() {
        assertThat(load(null, Map.of("LOG_LEVEL", " WARN ")).logLevel()).isEqualTo("warn");
    }

    @Test
    void sqlDriversNeedHostPortAndUser() {
        assertThat(problemsOfEnv("STORE_DRIVER", "mysql"))
                .containsExactly(
                        "Store.Host (STORE_HOST) = \"\": must be set when Store.Driver is mysql",
                        "Store.Port (STORE_PORT) = 0: must be set when Store.Driver is mysql",
                        "Store.User (STORE_USER) = \"\": must be set when Store.Driver is mysql");
        assertThat(problemsOfEnv("STORE_DRIVER", "postgres")).hasSize(3);
    }

    @Test
    void redisNeedsHostAndPort() {
        assertThat(problemsOfEnv("STORE_DRIVER", "redis"))
                .containsExactly(
                        "Store.Host (STORE_HOST) = \"\": must be set when Store.Driver is redis",
                        "Store.Port (STORE_PORT) = 0: must be set when Store.Driver is redis");
    }

    @Test
    void redisWaitAsksForReplicaAcknowledgements() throws IOException {
        Path file = yaml("""
                Store:
                  Driver: redis
                  Host: redis-0.redis:6379
                  RedisWait: 1
                  RedisWaitTimeout: 500
                """);
        ServerConfig c = load(file, Map.of());
        assertThat(c.store().redisWait()).isEqualTo(1);
        assertThat(c.store().redisWaitTimeout()).isEqualTo(500);
        assertThat(ServerConfig.defaults().store().redisWait()).isZero();
        assertThat(problems(null, Map.of("STORE_REDIS_WAIT", "-1", "STORE_REDIS_WAIT_TIMEOUT", "0")))
                .containsExactly(
                        "Store.RedisWait (STORE_REDIS_WAIT) = -1: must be between 0 and 16 replicas",
                        "Store.RedisWaitTimeout (STORE_REDIS_WAIT_TIMEOUT) = 0: must be between 1 and 60000 ms");
    }

    @Test
    void severalProblemsAreReportedTogether() throws IOException {
        Path file = yaml("""
                HttpPort: abc
                RetryInterval: 0
                CronWorkers: 2000
                LogLevel: loud
                """);
        assertThatThrownBy(() -> load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("invalid configuration, 4 problems:")
                .hasMessageContaining("HttpPort (HTTP_PORT) = \"abc\": not an integer")
                .hasMessageContaining("RetryInterval (RETRY_INTERVAL) = 0: must be at least 1 second")
                .hasMessageContaining("CronWorkers (CRON_WORKERS) = 2000: must be between 1 and 1024")
                .hasMessageContaining("LogLevel (LOG_LEVEL) = \"loud\": must be one of debug, info, warn, error");
    }

    @Test
    void structuredValueForAScalarKeyIsReported() throws IOException {
        Path file = yaml("""
                HttpPort: [1, 2]
                Store: embedded
                """);
        assertThat(problems(file, Map.of()))
                .containsExactly(
                        "HttpPort (HTTP_PORT) = [1,2]: must be a single value",
                        "Store (STORE) = \"embedded\": must be a mapping of Store.* keys");
    }

    @Test
    void missingFileIsAnErrorNamingThePath() {
        Path missing = dir.resolve("nope.yml");
        assertThatThrownBy(() -> load(missing, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void unreadableFileIsAnErrorNamingThePath() {
        assertThatThrownBy(() -> load(dir, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot read configuration file " + dir);
    }

    @Test
    void invalidYamlIsAnErrorNamingThePath() throws IOException {
        Path file = yaml("HttpPort: [1\n");
        assertThatThrownBy(() -> load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + " is not valid YAML");
    }

    @Test
    void emptyFileGivesTheDefaults() throws IOException {
        assertThat(load(yaml(""), Map.of())).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void envNamesFollowDtmsRule() {
        assertThat(ConfigKeys.envName("MicroService.EndPoint")).isEqualTo("MICRO_SERVICE_END_POINT");
        assertThat(ConfigKeys.envName("Store.ConnMaxLifeTime")).isEqualTo("STORE_CONN_MAX_LIFE_TIME");
        assertThat(ConfigKeys.envName("Log.RotationConfigJSON")).isEqualTo("LOG_ROTATION_CONFIG_JSON");
        assertThat(ConfigKeys.envName("JsonRpcPort")).isEqualTo("JSON_RPC_PORT");
    }

    @Test
    void sampleFileAtTheRepositoryRootLoadsAsTheDefaults() {
        assertThat(load(Path.of("..", "conf.sample.yml"), Map.of())).isEqualTo(ServerConfig.defaults());
        assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
    }
}
