package io.dtm4j.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dtm4j.server.config.ServerConfig.Admission;
import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import io.dtm4j.server.config.ServerConfig.Security;
import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.config.ServerConfig.Tls;
import io.dtm4j.server.config.ServerConfig.TracingConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.security.ConsoleUsers;
import io.dtm4j.server.security.HostAllowlist;
import io.dtm4j.server.security.OidcRoles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link ServerConfig} from defaults, then environment variables, then a YAML file (the
 * file wins), with dtm's key names matched case-insensitively, and validates it in one pass.
 */
public final class ConfigLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> LOG_LEVELS = Set.of("debug", "info", "warn", "error");
    private static final Set<String> DRIVERS = Set.of("embedded", "mysql", "postgres", "redis");
    private static final String SECONDS = "must be at least 1 second";
    private static final java.util.List<String> TRACES_EXPORTERS = java.util.List.of("none", "otlp", "console");
    private static final java.util.List<String> MICRO_SERVICE_DRIVERS =
            java.util.List.of(MicroServiceConfig.DEFAULT, MicroServiceConfig.GOZERO);

    private ConfigLoader() {}

    /**
     * Returns the validated configuration.
     *
     * @param yamlFileOrNull file given with {@code -c}, or null for none
     * @param env environment variables, e.g. {@code System.getenv()}; empty values count as unset
     * @throws ConfigException listing every problem, or naming a file that is missing, unreadable or
     *     not YAML
     */
    public static ServerConfig load(Path yamlFileOrNull, Map<String, String> env) {
        return load(yamlFileOrNull, env, Path.of("").toAbsolutePath());
    }

    /** As {@link #load(Path, Map)}, resolving a relative {@code Store.DataDir} against workDir. */
    static ServerConfig load(Path yamlFileOrNull, Map<String, String> env, Path workDir) {
        RawConfig raw = new RawConfig();
        for (String key : ConfigKeys.USED) {
            String value = env.get(ConfigKeys.envName(key));
            if (value != null && !value.isEmpty()) {
                raw.put(key, value);
            }
        }
        String brokers = env.get(ConfigKeys.envName(ConfigKeys.BROKERS));
        if (brokers != null && !brokers.isBlank()) {
            try {
                raw.brokers(YAML.readTree(brokers)); // YAML or JSON text
            } catch (JsonProcessingException e) {
                raw.problem(
                        ConfigKeys.BROKERS,
                        brokers.length() > 40 ? brokers.substring(0, 40) + "…" : brokers,
                        "is not YAML: " + e.getOriginalMessage());
            }
        }
        if (yamlFileOrNull != null) {
            readYaml(yamlFileOrNull, raw);
        }
        return build(raw, workDir);
    }

    private static void readYaml(Path file, RawConfig raw) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException("configuration file " + file.toAbsolutePath() + " does not exist", e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(
                    "configuration file " + file.toAbsolutePath() + " is not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file.toAbsolutePath() + ": " + e, e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            throw new ConfigException(
                    "configuration file " + file.toAbsolutePath() + " must hold a mapping of keys", null);
        }
        readSection("", root, file, raw);
    }

    private static void readSection(String prefix, JsonNode section, Path file, RawConfig raw) {
        for (Map.Entry<String, JsonNode> entry : section.properties()) {
            String given = prefix + entry.getKey();
            String key = ConfigKeys.canonical(given);
            JsonNode value = entry.getValue();
            if (key == null) {
                LOG.warn("Unknown configuration key '{}' in {} is ignored", given, file);
            } else if (key.equals(ConfigKeys.BROKERS)) {
                raw.brokers(value);
            } else if (ConfigKeys.IGNORED.contains(key) || ConfigKeys.IGNORED_SECTIONS.contains(key)) {
                LOG.debug("Configuration key '{}' is accepted but not used by dtm4j", key);
            } else if (ConfigKeys.SECTIONS.contains(key)) {
                if (value.isObject()) {
                    readSection(key + ".", value, file, raw);
                } else if (!value.isNull()) {
                    raw.problem(key, value, "must be a mapping of " + key + ".* keys");
                }
            } else if (ConfigKeys.LISTS.contains(key) && value.isArray()) {
                List<String> items = new ArrayList<>();
                value.forEach(item -> items.add(item.asText()));
                raw.put(key, String.join(",", items));
            } else if (value.isContainerNode()) {
                raw.problem(key, value, "must be a single value");
            } else if (!value.isNull()) {
                raw.put(key, value.asText());
            }
        }
    }

    private static ServerConfig build(RawConfig raw, Path workDir) {
        ServerConfig d = ServerConfig.defaults();
        Long httpPort = raw.between("HttpPort", d.httpPort(), 0, 65535, "must be between 0 and 65535");
        Long grpcPort = raw.between("GrpcPort", d.grpcPort(), 0, 65535, "must be between 0 and 65535");
        Long cron = raw.atLeast("TransCronInterval", d.transCronInterval(), 1, SECONDS);
        Long retry = raw.atLeast("RetryInterval", d.retryInterval(), 1, SECONDS);
        Long timeoutToFail = raw.number("TimeoutToFail", d.timeoutToFail());
        if (retry != null && timeoutToFail != null && timeoutToFail < retry) {
            raw.problem("TimeoutToFail", timeoutToFail, "must be at least RetryInterval (" + retry + ")");
        }
        Long maxRetry = raw.number("MaxRetryInterval", d.maxRetryInterval());
        if (retry != null && maxRetry != null && maxRetry != 0 && maxRetry < retry) {
            raw.problem("MaxRetryInterval", maxRetry, "must be 0 (no cap) or at least RetryInterval (" + retry + ")");
        }
        Long requestTimeout = raw.atLeast("RequestTimeout", d.requestTimeout(), 1, SECONDS);
        String logLevel = raw.string("LogLevel", d.logLevel()).trim().toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(logLevel)) {
            raw.problem("LogLevel", raw.string("LogLevel", ""), "must be one of debug, info, warn, error");
        }
        String logFormat = raw.string("LogFormat", d.logFormat()).trim().toLowerCase(Locale.ROOT);
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            raw.problem("LogFormat", raw.string("LogFormat", ""), "must be text or json");
        }
        Long alertLimit = raw.atLeast("AlertRetryLimit", d.alertRetryLimit(), 0, "must be at least 0");
        String webHook = raw.string("AlertWebHook", d.alertWebHook()).trim();
        Long configUpdate = raw.atLeast("ConfigUpdateInterval", d.configUpdateInterval(), 1, SECONDS);
        Long cronWorkers = raw.between("CronWorkers", d.cronWorkers(), 1, 1024, "must be between 1 and 1024");
        Long parkRetries = raw.atLeast("ParkAfterRetries", d.parking().afterRetries(), 0, "must be at least 0");
        Long parkSeconds = raw.atLeast("ParkAfterSeconds", d.parking().afterSeconds(), 0, "must be at least 0");
        if (parkRetries != null
                && parkRetries > 0
                && retry != null
                && maxRetry != null
                && maxRetry > 0
                && ServerConfig.Parking.countableFailures(retry, maxRetry) < parkRetries) {
            raw.problem(
                    "ParkAfterRetries",
                    parkRetries,
                    "is never reached with MaxRetryInterval " + maxRetry + ": failures are counted by the doubling"
                            + " interval, which stops at " + ServerConfig.Parking.countableFailures(retry, maxRetry)
                            + " here (raise MaxRetryInterval or use ParkAfterSeconds)");
        }
        String grpcServiceConfig =
                raw.string("GrpcServiceConfig", d.grpcServiceConfig()).trim();
        try {
            GrpcServiceConfig.parse(grpcServiceConfig);
        } catch (IllegalArgumentException e) {
            raw.problem("GrpcServiceConfig", grpcServiceConfig, e.getMessage());
        }
        StoreConfig store = StoreBuilder.build(raw, d.store(), workDir);
        MicroServiceConfig microService = microService(raw, d.microService());
        TracingConfig tracing = tracing(raw, d.tracing());
        Admission admission = admission(raw, d.admission());
        Security security = security(raw, workDir);
        Map<String, ServerConfig.Broker> brokers = BrokerEntries.read(raw);
        if (!raw.problems().isEmpty()) {
            throw new ConfigException(raw.problems());
        }
        return new ServerConfig(
                httpPort.intValue(),
                grpcPort.intValue(),
                store,
                cron,
                timeoutToFail,
                retry,
                maxRetry,
                requestTimeout,
                logLevel,
                alertLimit,
                webHook,
                configUpdate,
                cronWorkers.intValue(),
                grpcServiceConfig,
                microService,
                new ServerConfig.Parking(parkRetries, parkSeconds),
                logFormat,
                tracing,
                admission,
                security,
                brokers);
    }

    /** Reads {@code MicroService.*}: a driver dtm4j has, and an EndPoint to publish whenever a Target is set. */
    private static MicroServiceConfig microService(RawConfig raw, MicroServiceConfig d) {
        String givenDriver = raw.string("MicroService.Driver", d.driver());
        String driver = givenDriver.trim();
        if (!MICRO_SERVICE_DRIVERS.contains(driver)) {
            raw.problem(
                    "MicroService.Driver",
                    givenDriver,
                    "must be one of " + String.join(", ", MICRO_SERVICE_DRIVERS)
                            + " (dtm's other drivers are not available in dtm4j)");
        }
        String target = raw.string("MicroService.Target", d.target()).trim();
        String endPoint = raw.string("MicroService.EndPoint", d.endPoint()).trim();
        if (!target.isEmpty() && endPoint.isEmpty() && driver.equals(MicroServiceConfig.GOZERO)) {
            raw.problem("MicroService.EndPoint", endPoint, "must be set when MicroService.Target is set");
        }
        return new MicroServiceConfig(driver, target, endPoint);
    }

    /** Reads the limits of what a transaction may ask for, and the hosts its URLs may name. */
    private static Admission admission(RawConfig raw, Admission d) {
        Long steps = raw.between("MaxSteps", d.maxSteps(), 1, Integer.MAX_VALUE, "must be at least 1");
        Long payload =
                raw.between("MaxBranchPayload", d.maxBranchPayload(), 1, Integer.MAX_VALUE, "must be at least 1 byte");
        String allow = raw.string("BranchUrlAllowlist", d.branchUrlAllowlist().toString());
        HostAllowlist allowlist = HostAllowlist.ANY;
        try {
            allowlist = HostAllowlist.parse(allow);
        } catch (IllegalArgumentException e) {
            raw.problem("BranchUrlAllowlist", allow, e.getMessage());
        }
        if (steps == null || payload == null) {
            return d;
        }
        return new Admission(steps.intValue(), payload.intValue(), allowlist);
    }

    /** Reads the API tokens (never quoted in a problem) and the TLS files, which must be readable. */
    private static Security security(RawConfig raw, Path workDir) {
        ApiTokens tokens = ApiTokens.NONE;
        try {
            tokens = ApiTokens.parse(raw.string("ApiTokens", ""));
        } catch (IllegalArgumentException e) {
            raw.problem("ApiTokens", "(hidden)", e.getMessage());
        }
        String cert = tlsFile(raw, "Tls.CertFile", workDir);
        String key = tlsFile(raw, "Tls.KeyFile", workDir);
        String clientCa = tlsFile(raw, "Tls.ClientCaFile", workDir);
        if (cert.isEmpty() != key.isEmpty()) {
            raw.problem(
                    cert.isEmpty() ? "Tls.CertFile" : "Tls.KeyFile", "", "Tls.CertFile and Tls.KeyFile go together");
        }
        if (!clientCa.isEmpty() && cert.isEmpty()) {
            raw.problem("Tls.ClientCaFile", clientCa, "needs Tls.CertFile and Tls.KeyFile");
        }
        return new Security(tokens, new Tls(cert, key, clientCa), console(raw));
    }

    private static ServerConfig.Console console(RawConfig raw) {
        ServerConfig.Console d = ServerConfig.Console.LOOPBACK;
        ConsoleUsers users = ConsoleUsers.NONE;
        try {
            users = ConsoleUsers.parse(raw.string("Console.Users", ""));
        } catch (IllegalArgumentException e) {
            raw.problem("Console.Users", "(hidden)", e.getMessage());
        }
        String insecure =
                raw.string("Console.Insecure", String.valueOf(d.insecure())).trim();
        if (!insecure.equalsIgnoreCase("true") && !insecure.equalsIgnoreCase("false")) {
            raw.problem("Console.Insecure", insecure, "must be true or false");
        }
        String key = raw.string("Console.SessionKey", d.sessionKey()).trim();
        if (!key.isEmpty() && key.length() < 32) {
            raw.problem("Console.SessionKey", "(hidden)", "must be at least 32 characters (e.g. openssl rand -hex 32)");
        }
        Long minutes = raw.between(
                "Console.SessionMinutes", d.sessionMinutes(), 1, 7 * 24 * 60, "must be from 1 to 10080 minutes");
        String basePath = raw.string("AdminBasePath", "").trim().replaceAll("/+$", "");
        if (!basePath.isEmpty() && !basePath.matches("(/[A-Za-z0-9._~-]+)+")) {
            raw.problem("AdminBasePath", basePath, "must be a path such as /dtm (letters, digits, . _ ~ -)");
        }
        return new ServerConfig.Console(
                users,
                Boolean.parseBoolean(insecure),
                key,
                minutes == null ? d.sessionMinutes() : minutes,
                basePath,
                oidc(raw));
    }

    private static ServerConfig.Oidc oidc(RawConfig raw) {
        String issuer = raw.string("Console.Oidc.Issuer", "").trim().replaceAll("/+$", "");
        var oidc = new ServerConfig.Oidc(
                issuer,
                raw.string("Console.Oidc.ClientId", "").trim(),
                raw.string("Console.Oidc.ClientSecret", "").trim(),
                raw.string("Console.Oidc.RedirectUrl", "").trim(),
                raw.list("Console.Oidc.Users"));
        if (issuer.isEmpty()) {
            return oidc;
        }
        if (!issuer.matches("https?://\\S+")) {
            raw.problem("Console.Oidc.Issuer", issuer, "must be the provider's issuer URL (https://…)");
        }
        if (oidc.clientId().isEmpty()) {
            raw.problem("Console.Oidc.ClientId", "", "is needed with Console.Oidc.Issuer");
        }
        if (!oidc.redirectUrl().matches("https?://\\S+/admin/api/oidc/callback")) {
            raw.problem(
                    "Console.Oidc.RedirectUrl",
                    oidc.redirectUrl(),
                    "must be this console's callback as browsers reach it: http(s)://host[/AdminBasePath]/admin/api/oidc/callback");
        }
        try {
            if (OidcRoles.parse(oidc.users()).isEmpty()) {
                raw.problem("Console.Oidc.Users", "", "must give someone a role, e.g. ops@example.com:operator");
            }
        } catch (IllegalArgumentException e) {
            raw.problem("Console.Oidc.Users", String.join(",", oidc.users()), e.getMessage());
        }
        return oidc;
    }

    private static String tlsFile(RawConfig raw, String key, Path workDir) {
        String given = raw.string(key, "").trim();
        if (given.isEmpty()) {
            return "";
        }
        Path file = workDir.resolve(given);
        if (!Files.isReadable(file)) {
            raw.problem(key, given, "is not a readable file");
        }
        return file.toString();
    }

    /** Reads {@code Tracing.*}: an exporter the server has, and a ratio a sampler accepts. */
    private static TracingConfig tracing(RawConfig raw, TracingConfig d) {
        String exporter = raw.string("Tracing.Exporter", d.exporter()).trim().toLowerCase(Locale.ROOT);
        if (!TRACES_EXPORTERS.contains(exporter)) {
            raw.problem("Tracing.Exporter", exporter, "must be one of " + String.join(", ", TRACES_EXPORTERS));
        }
        String protocol = raw.string("Tracing.Protocol", d.protocol()).trim().toLowerCase(Locale.ROOT);
        if (!protocol.equals("http/protobuf") && !protocol.equals("grpc")) {
            raw.problem("Tracing.Protocol", protocol, "must be http/protobuf or grpc");
        }
        String ratioText = raw.string("Tracing.SampleRatio", String.valueOf(d.sampleRatio()))
                .trim();
        double ratio = d.sampleRatio();
        try {
            ratio = Double.parseDouble(ratioText);
        } catch (NumberFormatException e) {
            ratio = Double.NaN;
        }
        if (!(ratio >= 0 && ratio <= 1)) {
            raw.problem("Tracing.SampleRatio", ratioText, "must be a number from 0 to 1");
        }
        String events = raw.string("Tracing.StoreEvents", String.valueOf(d.storeEvents()))
                .trim();
        if (!events.equalsIgnoreCase("true") && !events.equalsIgnoreCase("false")) {
            raw.problem("Tracing.StoreEvents", events, "must be true or false");
        }
        return new TracingConfig(
                exporter,
                raw.string("Tracing.Endpoint", d.endpoint()).trim(),
                protocol,
                ratio,
                Boolean.parseBoolean(events));
    }

    /** Reads and checks the {@code Store.*} keys. */
    private static final class StoreBuilder {
        static StoreConfig build(RawConfig raw, StoreConfig d, Path workDir) {
            String givenDriver = raw.string("Store.Driver", d.driver());
            String driver = givenDriver.trim().toLowerCase(Locale.ROOT);
            if (driver.equals("boltdb")) {
                LOG.info("Store.Driver 'boltdb' is served by the embedded SQLite store; using 'embedded'");
                driver = "embedded";
            } else if (!DRIVERS.contains(driver)) {
                raw.problem("Store.Driver", givenDriver, "must be one of embedded, boltdb, mysql, postgres, redis");
            }
            String host = raw.string("Store.Host", d.host()).trim();
            Long port = raw.between("Store.Port", d.port(), 0, 65535, "must be between 0 and 65535");
            String user = raw.string("Store.User", d.user());
            boolean sql = driver.equals("mysql") || driver.equals("postgres");
            if (sql || driver.equals("redis")) {
                String rule = "must be set when Store.Driver is " + driver;
                if (host.isEmpty()) {
                    raw.problem("Store.Host", host, rule);
                }
                boolean hostsWithPorts = driver.equals("redis")
                        && java.util.Arrays.stream(host.split(","))
                                .allMatch(h -> h.trim().matches(".+:\\d+"));
                if (port != null && port == 0 && !hostsWithPorts) {
                    raw.problem("Store.Port", port, rule);
                }
                if (sql && user.isEmpty()) {
                    raw.problem("Store.User", user, rule);
                }
            }
            Long maxOpen =
                    raw.between("Store.MaxOpenConns", d.maxOpenConns(), 1, Integer.MAX_VALUE, "must be at least 1");
            Long maxIdle =
                    raw.between("Store.MaxIdleConns", d.maxIdleConns(), 0, Integer.MAX_VALUE, "must be at least 0");
            Long lifeTime = raw.atLeast("Store.ConnMaxLifeTime", d.connMaxLifeTime(), 0, "must be at least 0 minutes");
            Long expire = raw.atLeast("Store.DataExpire", d.dataExpire(), 1, SECONDS);
            Long finishedExpire = raw.atLeast("Store.FinishedDataExpire", d.finishedDataExpire(), 1, SECONDS);
            Path dataDir = dataDir(raw, d.dataDir(), workDir);
            Long retention =
                    raw.atLeast("Store.FinishedRetention", d.finishedRetention(), 0, "must be at least 0 seconds");
            Long redisWait = raw.between("Store.RedisWait", d.redisWait(), 0, 16, "must be between 0 and 16 replicas");
            Long redisWaitTimeout = raw.between(
                    "Store.RedisWaitTimeout", d.redisWaitTimeout(), 1, 60_000, "must be between 1 and 60000 ms");
            if (!raw.problems().isEmpty()) {
                return null;
            }
            return new StoreConfig(
                    driver,
                    host,
                    port.intValue(),
                    user,
                    raw.string("Store.Password", d.password()),
                    raw.string("Store.Db", d.db()).trim(),
                    raw.string("Store.Schema", d.schema()).trim(),
                    maxOpen.intValue(),
                    maxIdle.intValue(),
                    lifeTime,
                    expire,
                    finishedExpire,
                    raw.string("Store.RedisPrefix", d.redisPrefix()),
                    dataDir,
                    retention,
                    redisWait.intValue(),
                    redisWaitTimeout);
        }

        /** Expands a leading {@code ~} to the user's home and resolves a relative path against workDir. */
        private static Path dataDir(RawConfig raw, Path def, Path workDir) {
            String text = raw.string("Store.DataDir", null);
            if (text == null) {
                return def;
            }
            String trimmed = text.trim();
            if (trimmed.isEmpty()) {
                raw.problem("Store.DataDir", text, "must not be empty");
                return null;
            }
            try {
                Path path;
                if (trimmed.equals("~")) {
                    path = Path.of(System.getProperty("user.home"));
                } else if (trimmed.startsWith("~/") || trimmed.startsWith("~\\")) {
                    path = Path.of(System.getProperty("user.home"), trimmed.substring(2));
                } else {
                    path = Path.of(trimmed);
                }
                return workDir.resolve(path).normalize();
            } catch (InvalidPathException e) {
                raw.problem("Store.DataDir", text, "not a valid path (" + e.getReason() + ")");
                return null;
            }
        }
    }
}
