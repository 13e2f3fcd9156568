package io.dtm4j.server.invoke.broker;

import io.dtm4j.server.config.ServerConfig.Broker;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A branch URL that publishes to a message broker named in the server's {@code Brokers} settings
 * (docs/brokers.md). The URL names the broker, never its address or credentials:
 *
 * <ul>
 *   <li>{@code amqp://NAME?exchange=E&routing_key=K}: RabbitMQ; either may be empty, not both (the
 *       default exchange routes a key to the queue of that name);
 *   <li>{@code nats://NAME/SUBJECT}: a NATS JetStream subject a stream captures;
 *   <li>{@code kafka://NAME/TOPIC?key=K}: a Kafka topic; the record key is {@code K}, or the gid when
 *       absent, so a transaction's messages keep their order.
 * </ul>
 *
 * @param kind the scheme: {@code amqp}, {@code nats} or {@code kafka}
 * @param broker the name of the {@code Brokers} entry
 * @param destination the exchange (amqp), subject (nats) or topic (kafka)
 * @param key the routing key (amqp), the record key (kafka, empty: the gid), empty for nats
 */
public record BrokerUrl(String kind, String broker, String destination, String key) {
    private static final Pattern SUBJECT = Pattern.compile("[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*");
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    /**
     * Returns whether {@code url} has a broker scheme. The first character is tested first, so HTTP URLs
     * (and gRPC targets) pass through with one comparison.
     */
    public static boolean isBrokerUrl(String url) {
        if (url.isEmpty()) {
            return false;
        }
        char c = url.charAt(0);
        return (c == 'a' && url.startsWith("amqp://"))
                || (c == 'n' && url.startsWith("nats://"))
                || (c == 'k' && url.startsWith("kafka://"));
    }

    /**
     * Parses a broker URL and checks it against the configured brokers.
     *
     * @throws IllegalArgumentException saying what is wrong, for a 400 at submit
     */
    public static BrokerUrl parse(String url, Map<String, Broker> brokers) {
        int sep = url.indexOf("://");
        String kind = sep < 0 ? "" : url.substring(0, sep).toLowerCase(Locale.ROOT);
        if (!Broker.KINDS.contains(kind)) {
            throw new IllegalArgumentException("a broker URL starts with amqp://, nats:// or kafka://");
        }
        String rest = url.substring(sep + 3);
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        String beforeQuery = q < 0 ? rest : rest.substring(0, q);
        int slash = beforeQuery.indexOf('/');
        String name = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
        String path = slash < 0 ? "" : decode(beforeQuery.substring(slash + 1));
        if (name.contains("@")) {
            throw new IllegalArgumentException("credentials do not belong in a branch URL (it is stored with the"
                    + " transaction): name a Brokers entry of the server's configuration instead");
        }
        if (name.isEmpty() || name.contains(":")) {
            throw new IllegalArgumentException("the host part must name a Brokers entry of the server's"
                    + " configuration (" + known(brokers, kind) + "), not a host or host:port");
        }
        Broker broker = brokers.get(name);
        if (broker == null) {
            throw new IllegalArgumentException(
                    "no broker named '" + name + "' in the server's Brokers settings (" + known(brokers, kind) + ")");
        }
        if (!broker.kind().equals(kind)) {
            throw new IllegalArgumentException("broker '" + name + "' is of kind " + broker.kind() + ", not " + kind);
        }
        Map<String, String> params = params(query);
        return switch (kind) {
            case "amqp" -> amqp(name, path, params);
            case "nats" -> nats(name, path, params);
            default -> kafka(name, path, params);
        };
    }

    private static BrokerUrl amqp(String name, String path, Map<String, String> params) {
        only(params, Set.of("exchange", "routing_key"));
        if (!path.isEmpty()) {
            throw new IllegalArgumentException("an amqp URL has no path (the virtual host is the broker's"
                    + " VirtualHost setting): use amqp://" + name + "?exchange=E&routing_key=K");
        }
        String exchange = params.getOrDefault("exchange", "");
        String routingKey = params.getOrDefault("routing_key", "");
        if (exchange.isEmpty() && routingKey.isEmpty()) {
            throw new IllegalArgumentException("an amqp URL needs exchange=, routing_key= or both");
        }
        return new BrokerUrl("amqp", name, exchange, routingKey);
    }

    private static BrokerUrl nats(String name, String subject, Map<String, String> params) {
        only(params, Set.of());
        if (!SUBJECT.matcher(subject).matches()) {
            throw new IllegalArgumentException("a nats URL is nats://" + name + "/SUBJECT with a subject of"
                    + " dot-separated tokens and no wildcards, not '" + subject + "'");
        }
        return new BrokerUrl("nats", name, subject, "");
    }

    private static BrokerUrl kafka(String name, String topic, Map<String, String> params) {
        only(params, Set.of("key"));
        if (!TOPIC.matcher(topic).matches()) {
            throw new IllegalArgumentException("a kafka URL is kafka://" + name + "/TOPIC[?key=K] with a topic"
                    + " of letters, digits, '.', '_' and '-', not '" + topic + "'");
        }
        return new BrokerUrl("kafka", name, topic, params.getOrDefault("key", ""));
    }

    private static void only(Map<String, String> params, Set<String> allowed) {
        for (String p : params.keySet()) {
            if (!allowed.contains(p)) {
                throw new IllegalArgumentException("unknown parameter '" + p + "'"
                        + (allowed.isEmpty()
                                ? " (none are taken)"
                                : " (taken: "
                                        + String.join(
                                                ", ", allowed.stream().sorted().toList()) + ")"));
            }
        }
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (params.put(k, eq < 0 ? "" : decode(pair.substring(eq + 1))) != null) {
                throw new IllegalArgumentException("parameter '" + k + "' is given twice");
            }
        }
        return params;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in '" + text + "'");
        }
    }

    private static String known(Map<String, Broker> brokers, String kind) {
        var names = brokers.entrySet().stream()
                .filter(e -> e.getValue().kind().equals(kind))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        return names.isEmpty() ? "it has no " + kind + " broker" : kind + " brokers: " + String.join(", ", names);
    }
}
