package io.dtm4j.server.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The hosts the server may call (docs/security.md#branch-url-allowlist): entries are an exact host
 * ({@code busi.internal}), a suffix wildcard ({@code *.svc.cluster.local}, which does not match
 * {@code svc.cluster.local} itself), either with an optional {@code :port}, or an IP range in CIDR
 * form ({@code 10.0.0.0/8}, {@code fd00::/8}), which matches IP literals only. Host names are never
 * resolved: an answer could change between the check and the call, so a name is allowed by a name
 * entry or not at all. Empty = every host.
 */
public final class HostAllowlist {
    /** No restriction. */
    public static final HostAllowlist ANY = new HostAllowlist(List.of(), "");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");

    private final List<Rule> rules;
    private final String text;

    private HostAllowlist(List<Rule> rules, String text) {
        this.rules = rules;
        this.text = text;
    }

    /**
     * Parses a comma-separated list of entries.
     *
     * @throws IllegalArgumentException naming the first entry that is none of the forms
     */
    public static HostAllowlist parse(String commaList) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : commaList.split(",")) {
            String entry = raw.trim();
            if (!entry.isEmpty()) {
                rules.add(rule(entry));
            }
        }
        return rules.isEmpty() ? ANY : new HostAllowlist(List.copyOf(rules), commaList.trim());
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * Whether {@code host} (a name or an IP literal, IPv6 with or without brackets) on {@code port}
     * may be called.
     */
    public boolean allows(String host, int port) {
        if (rules.isEmpty()) {
            return true;
        }
        String h = normalise(host);
        byte[] ip = literal(h);
        for (Rule rule : rules) {
            if (rule.matches(h, ip, port)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostAllowlist other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    private static String normalise(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** The address bytes of an IP literal; null for a name (never resolved). */
    private static byte[] literal(String host) {
        if (!IPV4.matcher(host).matches() && !host.contains(":")) {
            return null;
        }
        try {
            return InetAddress.getByName(host).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static Rule rule(String entry) {
        if (entry.contains("://")) {
            throw new IllegalArgumentException(
                    "'" + entry + "' is a URL: name its host (busi.internal or busi.internal:8080)");
        }
        int slash = entry.indexOf('/');
        if (slash >= 0) {
            byte[] network = literal(normalise(entry.substring(0, slash)));
            int bits;
            try {
                bits = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (network == null || bits < 0 || bits > network.length * 8) {
                throw new IllegalArgumentException("'" + entry + "' is not an IP range such as 10.0.0.0/8");
            }
            return new Cidr(network, bits);
        }
        int port = -1;
        String host = entry;
        int colon = entry.lastIndexOf(':');
        if (colon > 0 && entry.indexOf(':') == colon) { // host:port; IPv6 literals belong in a range
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = 0;
            }
            host = entry.substring(0, colon);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + entry + "' has no port from 1 to 65535 after its colon");
            }
        }
        if (!HOST.matcher(host).matches()) {
            throw new IllegalArgumentException("'" + entry + "' is not a host, *.domain or IP range (write an IPv6"
                    + " address as a range, e.g. ::1/128)");
        }
        return new Name(normalise(host), port);
    }

    private sealed interface Rule permits Name, Cidr {
        boolean matches(String host, byte[] ip, int port);
    }

    /** An exact host or a {@code *.} suffix, on any port or one. */
    private record Name(String pattern, int port) implements Rule {
        @Override
        public boolean matches(String host, byte[] ip, int p) {
            if (port >= 0 && port != p) {
                return false;
            }
            return pattern.startsWith("*.") ? host.endsWith(pattern.substring(1)) : host.equals(pattern);
        }
    }

    /** The IP literals within a network. */
    private record Cidr(byte[] network, int bits) implements Rule {
        @Override
        public boolean matches(String host, byte[] ip, int port) {
            if (ip == null || ip.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >>> (i % 8);
                if ((ip[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
