package io.dtm4j.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.config.ServerConfig.Broker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the {@code Brokers} mapping: each key names a broker that branch URLs refer to, each value
 * holds its {@code Kind}, {@code Address}, {@code User}, {@code Password} and {@code VirtualHost}
 * (docs/brokers.md). Problems are reported with the entry's key, e.g. {@code Brokers.rabbit.Kind}.
 */
final class BrokerEntries {
    /** A broker name is the host part of its URLs: letters, digits, '-', '_' and '.'. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private static final List<String> FIELDS = List.of("kind", "address", "user", "password", "virtualhost");

    private BrokerEntries() {}

    static Map<String, Broker> read(RawConfig raw) {
        JsonNode node = raw.brokers();
        Map<String, Broker> result = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return result;
        }
        if (!node.isObject()) {
            raw.problem(ConfigKeys.BROKERS, node, "must be a mapping of broker names to their settings");
            return result;
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String name = entry.getKey();
            String key = ConfigKeys.BROKERS + "." + name;
            if (!NAME.matcher(name).matches()) {
                raw.problem(key, name, "a broker name holds only letters, digits, '-', '_' and '.'");
                continue;
            }
            if (!entry.getValue().isObject()) {
                raw.problem(key, entry.getValue(), "must be a mapping with Kind and Address");
                continue;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> f : entry.getValue().properties()) {
                String field = f.getKey().toLowerCase(Locale.ROOT);
                if (!FIELDS.contains(field)) {
                    raw.problem(
                            key + "." + f.getKey(),
                            f.getValue(),
                            "unknown setting (known: Kind, Address, User, Password, VirtualHost)");
                } else if (f.getValue().isArray()) {
                    List<String> items = new ArrayList<>();
                    f.getValue().forEach(item -> items.add(item.asText()));
                    fields.put(field, String.join(",", items));
                } else if (!f.getValue().isNull()) {
                    fields.put(field, f.getValue().asText());
                }
            }
            String kind = fields.getOrDefault("kind", "").trim().toLowerCase(Locale.ROOT);
            if (!Broker.KINDS.contains(kind)) {
                raw.problem(key + ".Kind", fields.getOrDefault("kind", ""), "must be one of " + Broker.KINDS);
                continue;
            }
            List<String> addresses = new ArrayList<>();
            for (String a : fields.getOrDefault("address", "").split(",")) {
                String item = a.trim();
                if (!item.isEmpty()) {
                    addresses.add(item);
                }
            }
            if (addresses.isEmpty()) {
                raw.problem(key + ".Address", fields.getOrDefault("address", ""), "must name at least one host:port");
                continue;
            }
            boolean bad = false;
            for (String a : addresses) {
                int colon = a.lastIndexOf(':');
                if (a.contains("/") || colon <= 0 || !a.substring(colon + 1).matches("\\d{1,5}")) {
                    raw.problem(key + ".Address", a, "each item must be host:port, without a scheme or path");
                    bad = true;
                }
            }
            if (bad) {
                continue;
            }
            String vhost = fields.getOrDefault("virtualhost", "/");
            result.put(
                    name,
                    new Broker(
                            kind,
                            addresses,
                            fields.getOrDefault("user", ""),
                            fields.getOrDefault("password", ""),
                            vhost.isEmpty() ? "/" : vhost));
        }
        return result;
    }
}
