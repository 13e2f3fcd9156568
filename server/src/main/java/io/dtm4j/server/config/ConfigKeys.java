package io.dtm4j.server.config;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** dtm's configuration keys as dtm4j knows them, and their environment-variable names. */
final class ConfigKeys {
    /** Keys dtm4j reads, spelled as dtm spells them. */
    static final List<String> USED = List.of(
            "HttpPort",
            "GrpcPort",
            "TransCronInterval",
            "TimeoutToFail",
            "RetryInterval",
            "MaxRetryInterval",
            "RequestTimeout",
            "LogLevel",
            "LogFormat",
            "AlertRetryLimit",
            "AlertWebHook",
            "ConfigUpdateInterval",
            "CronWorkers",
            "ParkAfterRetries",
            "ParkAfterSeconds",
            "MaxSteps",
            "MaxBranchPayload",
            "BranchUrlAllowlist",
            "ApiTokens",
            "GrpcServiceConfig",
            "Store.Driver",
            "Store.Host",
            "Store.Port",
            "Store.User",
            "Store.Password",
            "Store.Db",
            "Store.Schema",
            "Store.MaxOpenConns",
            "Store.MaxIdleConns",
            "Store.ConnMaxLifeTime",
            "Store.DataExpire",
            "Store.FinishedDataExpire",
            "Store.RedisPrefix",
            "Store.DataDir",
            "Store.FinishedRetention",
            "Store.RedisWait",
            "Store.RedisWaitTimeout",
            "MicroService.Driver",
            "MicroService.Target",
            "MicroService.EndPoint",
            "Tracing.Exporter",
            "Tracing.Endpoint",
            "Tracing.Protocol",
            "Tracing.SampleRatio",
            "Tracing.StoreEvents",
            "Tls.CertFile",
            "Tls.KeyFile",
            "Tls.ClientCaFile",
            "Console.Users",
            "Console.Insecure",
            "Console.SessionKey",
            "Console.SessionMinutes",
            "Console.Oidc.Issuer",
            "Console.Oidc.ClientId",
            "Console.Oidc.ClientSecret",
            "Console.Oidc.RedirectUrl",
            "Console.Oidc.Users",
            "AdminBasePath");

    /** Keys whose YAML value may be a list, read as its items joined by commas. */
    static final Set<String> LISTS = Set.of("BranchUrlAllowlist", "ApiTokens", "Console.Users", "Console.Oidc.Users");

    /** dtm keys accepted without effect (yet). */
    static final Set<String> IGNORED = Set.of(
            "JsonRpcPort",
            "UpdateBranchSync",
            "UpdateBranchAsyncGoroutineNum",
            "TimeZoneOffset",
            "Store.TransGlobalTable",
            "Store.TransBranchOpTable",
            "Store.BranchTransOpTable");

    /** dtm sections whose keys are all accepted without effect (yet). */
    static final Set<String> IGNORED_SECTIONS = Set.of("HttpMicroService", "Log");

    /** The sections dtm4j reads. */
    static final String STORE = "Store";

    static final String MICRO_SERVICE = "MicroService";

    /** The mapping of named message brokers (docs/brokers.md): its keys are names, not dtm keys. */
    static final String BROKERS = "Brokers";

    static final Set<String> SECTIONS = Set.of(STORE, MICRO_SERVICE, "Tracing", "Tls", "Console", "Console.Oidc");

    private static final Map<String, String> BY_LOWER_CASE = new HashMap<>();

    static {
        for (String key : USED) {
            BY_LOWER_CASE.put(key.toLowerCase(Locale.ROOT), key);
        }
        for (String key : IGNORED) {
            BY_LOWER_CASE.put(key.toLowerCase(Locale.ROOT), key);
        }
        for (String key : IGNORED_SECTIONS) {
            BY_LOWER_CASE.put(key.toLowerCase(Locale.ROOT), key);
        }
        for (String key : SECTIONS) {
            BY_LOWER_CASE.put(key.toLowerCase(Locale.ROOT), key);
        }
        BY_LOWER_CASE.put(BROKERS.toLowerCase(Locale.ROOT), BROKERS);
    }

    private ConfigKeys() {}

    /** Returns dtm's spelling of a key or section matched case-insensitively, or null if unknown. */
    static String canonical(String path) {
        return BY_LOWER_CASE.get(path.toLowerCase(Locale.ROOT));
    }

    /** Returns the environment variable of a key: {@code Store.MaxOpenConns} → {@code STORE_MAX_OPEN_CONNS}. */
    static String envName(String key) {
        return key.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }
}
