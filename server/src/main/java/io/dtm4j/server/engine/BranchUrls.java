package io.dtm4j.server.engine;

import io.dtm4j.discovery.ServiceMethod;
import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.invoke.ProtocolInvoker;
import io.dtm4j.server.invoke.broker.BrokerUrl;
import io.dtm4j.server.security.HostAllowlist;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks, before anything is written, that the server can and may call a URL a client gave it
 * (docs/security.md#branch-urls): one its transaction's protocol can call (an http(s) URL with a
 * host for HTTP and JSON-RPC, a branch URL of the micro-service driver for gRPC), on a host of the
 * allowlist when one is configured; a broker URL must name a configured broker of its kind
 * (docs/brokers.md). An empty URL means no call and passes.
 */
public final class BranchUrls {
    private final Function<String, ServiceMethod> grpcSplit;
    private final HostAllowlist allowlist;
    private final Map<String, Broker> brokers;

    /** As {@link #BranchUrls(Function, HostAllowlist, Map)} with no broker configured. */
    public BranchUrls(Function<String, ServiceMethod> grpcSplit, HostAllowlist allowlist) {
        this(grpcSplit, allowlist, Map.of());
    }

    /**
     * @param grpcSplit the micro-service driver's split of gRPC branch URLs (throws
     *     IllegalArgumentException naming the expected form)
     * @param brokers the {@code Brokers} settings that broker URLs name (docs/brokers.md)
     */
    public BranchUrls(Function<String, ServiceMethod> grpcSplit, HostAllowlist allowlist, Map<String, Broker> brokers) {
        this.grpcSplit = grpcSplit;
        this.allowlist = allowlist;
        this.brokers = Map.copyOf(brokers);
    }

    /**
     * Refuses a broker URL (docs/brokers.md) where a publish cannot play the part: a check-back or
     * callback must answer, and TCC, XA and workflow branches must report a business result.
     *
     * @param why what the part needs, for the message
     * @throws DtmException a bad request naming the field, the URL and why
     */
    public static void notBroker(String what, String url, String why) {
        if (url != null && BrokerUrl.isBrokerUrl(url)) {
            throw DtmException.badRequest(what + " URL '" + url + "' is a broker URL, which " + why
                    + " (docs/brokers.md: broker URLs are msg steps, topic subscribers and saga branches)");
        }
    }

    /**
     * Refuses {@code url} unless the transport a transaction of {@code protocol} uses for it (an
     * http(s) URL goes over HTTP whatever the protocol, see ProtocolInvoker.transport) can call it,
     * on an allowed host. For URLs whose transaction is not known here (topic subscribers,
     * registered branches), pass {@code grpc}: any URL either transport can call then passes.
     *
     * @param what the field, for the message, e.g. {@code branch 01 action}
     * @throws DtmException a bad request naming the field, the URL and why
     */
    public void check(String what, String url, String protocol) {
        if (url == null || url.isEmpty()) {
            return;
        }
        if (BrokerUrl.isBrokerUrl(url)) {
            // the operator configured the broker: the allowlist, for hosts clients name, has no say
            try {
                BrokerUrl.parse(url, brokers);
            } catch (IllegalArgumentException e) {
                throw DtmException.badRequest(what + " URL '" + url + "': " + e.getMessage());
            }
            return;
        }
        List<HostPort> hosts = ProtocolInvoker.transport(protocol, url).equals(ProtocolInvoker.GRPC)
                ? grpcHosts(what, url)
                : httpHost(what, url);
        allowed(what, url, hosts);
    }

    private void allowed(String what, String url, List<HostPort> hosts) {
        for (HostPort h : hosts) {
            if (!allowlist.allows(h.host(), h.port())) {
                throw DtmException.badRequest(what + " URL '" + url + "': host " + h.host()
                        + (h.port() > 0 ? ":" + h.port() : "") + " is not in BranchUrlAllowlist");
            }
        }
    }

    private static List<HostPort> httpHost(String what, String url) {
        URI uri = null;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            // refused below, like any other URL without an http(s) scheme and a host
        }
        String scheme =
                uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw DtmException.badRequest(what + " URL '" + url
                    + "' cannot be called over HTTP: an http:// or https:// URL with a host is required");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return List.of(new HostPort(uri.getHost(), port));
    }

    private List<HostPort> grpcHosts(String what, String url) {
        String target;
        try {
            target = grpcSplit.apply(url).target();
        } catch (IllegalArgumentException e) {
            throw DtmException.badRequest(what + ": " + e.getMessage());
        }
        int scheme = target.indexOf("://");
        if (scheme < 0) {
            return List.of(hostPort(target));
        }
        // dns:///host:port and direct:///a:1,b:2 name the hosts in the path; a registry
        // (etcd://h1:2379,h2:2379/key) in the authority: the server calls the registry, then
        // whatever it returns
        String rest = target.substring(scheme + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String hosts = authority.isEmpty() && slash >= 0 ? rest.substring(slash + 1) : authority;
        List<HostPort> result = new ArrayList<>();
        for (String h : hosts.split(",")) {
            if (!h.isBlank()) {
                result.add(hostPort(h.trim()));
            }
        }
        if (result.isEmpty()) {
            throw DtmException.badRequest(what + " URL '" + url + "' names no host");
        }
        return result;
    }

    /** {@code host:port}, {@code [v6]:port} or a bare host (port unknown: -1). */
    private static HostPort hostPort(String text) {
        int colon = text.lastIndexOf(':');
        boolean v6 = text.startsWith("[");
        if (colon < 0 || (v6 && colon < text.indexOf(']'))) {
            return new HostPort(text, -1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        return new HostPort(text.substring(0, colon), port);
    }

    private record HostPort(String host, int port) {}
}
