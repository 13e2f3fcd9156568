package io.dtm4j.discovery;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * An etcd service address as go-zero writes it: {@code etcd://host1:2379,host2:2379/service.key}
 * ({@code discov://} is the same), optionally with {@code ?user=…&password=…} for an etcd with
 * authentication. The service key is the path without its leading and trailing slashes.
 *
 * @param hosts etcd client addresses ({@code host:port}), tried in order
 * @param key the service key; instances live under {@code key + "/"}
 * @param user etcd user, empty for none
 * @param password etcd password
 */
public record EtcdTarget(List<String> hosts, String key, String user, String password) {
    /** The URL schemes naming an etcd registry. */
    public static final List<String> SCHEMES = List.of("etcd", "discov");

    /** A target of {@code hosts} (copied), {@code key} and account. */
    public EtcdTarget {
        hosts = List.copyOf(hosts);
    }

    /**
     * Parses {@code target}.
     *
     * @throws IllegalArgumentException naming what is missing or malformed
     */
    public static EtcdTarget parse(String target) {
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + target + "' is not a URL: " + e.getReason(), e);
        }
        return of(uri);
    }

    /** As {@link #parse}, from a parsed URI. */
    public static EtcdTarget of(URI uri) {
        String shown = "'" + uri + "'";
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme())) {
            throw new IllegalArgumentException(shown + " is not an etcd address: its scheme must be etcd or discov");
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isBlank()) {
            throw new IllegalArgumentException(
                    shown + " names no etcd host: expected etcd://host:port[,host:port…]/service.key");
        }
        List<String> hosts = Arrays.stream(authority.split(","))
                .map(String::trim)
                .filter(h -> !h.isEmpty())
                .toList();
        String key = uri.getPath() == null ? "" : strip(uri.getPath());
        if (key.isEmpty()) {
            throw new IllegalArgumentException(shown + " names no service key: expected etcd://host:port/service.key");
        }
        String user = "";
        String password = "";
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String name = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (name.equals("user")) {
                    user = value;
                } else if (name.equals("password")) {
                    password = value;
                }
            }
        }
        return new EtcdTarget(hosts, key, user, password);
    }

    /** The prefix under which instances of this service are listed: {@code key + "/"}. */
    public String instancePrefix() {
        return key + "/";
    }

    /** Shows the hosts, key and user, never the password. */
    @Override
    public String toString() {
        return "etcd://" + String.join(",", hosts) + "/" + key + (user.isEmpty() ? "" : " (user " + user + ")");
    }

    private static String strip(String path) {
        int from = 0;
        int to = path.length();
        while (from < to && path.charAt(from) == '/') {
            from++;
        }
        while (to > from && path.charAt(to - 1) == '/') {
            to--;
        }
        return path.substring(from, to);
    }
}
