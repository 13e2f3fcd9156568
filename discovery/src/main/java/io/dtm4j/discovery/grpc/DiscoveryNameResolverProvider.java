package io.dtm4j.discovery.grpc;

import io.dtm4j.discovery.Resolver;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets grpc-java channels dial the targets of a {@link Resolver}, e.g. {@code
 * etcd://localhost:2379/trans.rpc}: the channel gets every endpoint the resolver reports, and a new
 * list each time it changes, so its round-robin balancer always spreads calls over the live instances.
 */
public final class DiscoveryNameResolverProvider extends NameResolverProvider {
    private static final Logger log = LoggerFactory.getLogger(DiscoveryNameResolverProvider.class);
    private static final Set<String> INSTALLED = new HashSet<>();

    private final Resolver resolver;
    private final String scheme;

    private DiscoveryNameResolverProvider(Resolver resolver, String scheme) {
        this.resolver = resolver;
        this.scheme = scheme;
    }

    /**
     * Registers the schemes of {@code resolvers} in grpc-java's default registry, once per process
     * (dtm's drivers install their resolvers process-wide, too). A scheme already installed stays as
     * it is: resolvers keep no state outside their subscriptions.
     */
    public static synchronized void install(List<Resolver> resolvers) {
        for (Resolver resolver : resolvers) {
            for (String s : resolver.schemes()) {
                if (INSTALLED.add(s)) {
                    NameResolverRegistry.getDefaultRegistry().register(new DiscoveryNameResolverProvider(resolver, s));
                }
            }
        }
    }

    /**
     * Installs go-zero's resolvers ({@link Resolver#goZero}) when {@code target} is a URL of one of
     * their schemes ({@code etcd://}, {@code discov://}, {@code direct:///}); returns whether it is.
     * Other targets ({@code host:port}, {@code dns:///host:port}) are grpc-java's own and leave the
     * registry as it is.
     */
    public static boolean installFor(String target) {
        int colon = target.indexOf("://");
        if (colon <= 0) {
            return false;
        }
        String targetScheme = target.substring(0, colon);
        List<Resolver> goZero = Resolver.goZero();
        if (goZero.stream().noneMatch(r -> r.schemes().contains(targetScheme))) {
            return false;
        }
        install(goZero);
        return true;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5; // grpc-java's customary priority; no built-in provider serves these schemes
    }

    @Override
    public String getDefaultScheme() {
        return scheme;
    }

    @Override
    public String getScheme() {
        return scheme;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    @Override
    public NameResolver newNameResolver(URI target, NameResolver.Args args) {
        if (!scheme.equals(target.getScheme())) {
            return null;
        }
        resolver.check(target); // a malformed target fails the channel's creation, with the reason
        return new Following(resolver, target, args.getSynchronizationContext());
    }

    /** One channel's view of a target: follows it from start to shutdown. */
    private static final class Following extends NameResolver {
        private final Resolver resolver;
        private final URI target;
        private final SynchronizationContext sync;
        private Resolver.Subscription subscription;
        private volatile boolean resolvedOnce;
        private volatile boolean shutdown;

        Following(Resolver resolver, URI target, SynchronizationContext sync) {
            this.resolver = resolver;
            this.target = target;
            this.sync = sync;
        }

        @Override
        public String getServiceAuthority() {
            // the service name, made a valid authority: "trans.rpc", "grpc.dtm.nested", "10.0.0.1:8080"
            String path = target.getPath() == null ? "" : target.getPath().replaceAll("^/+|/+$", "");
            String first = path.split(",")[0];
            String authority = first.replace('/', '.').replaceAll("[^A-Za-z0-9.:_~\\-\\[\\]]", "_");
            return authority.isEmpty() ? target.getScheme() : authority;
        }

        @Override
        public void start(Listener2 listener) {
            subscription = resolver.follow(target, new Resolver.Listener() {
                @Override
                public void endpoints(List<String> endpoints) {
                    StatusOr<List<EquivalentAddressGroup>> addresses = addresses(endpoints);
                    resolvedOnce = true;
                    sync.execute(() -> {
                        if (!shutdown) {
                            listener.onResult2(ResolutionResult.newBuilder()
                                    .setAddressesOrError(addresses)
                                    .build());
                        }
                    });
                }

                @Override
                public void error(String problem) {
                    if (!resolvedOnce) { // otherwise the endpoints last seen stay in use
                        sync.execute(() -> {
                            if (!shutdown) {
                                listener.onError(Status.UNAVAILABLE.withDescription(problem));
                            }
                        });
                    }
                }
            });
        }

        private StatusOr<List<EquivalentAddressGroup>> addresses(List<String> endpoints) {
            List<EquivalentAddressGroup> groups = new ArrayList<>();
            for (String endpoint : endpoints) {
                InetSocketAddress address = socketAddress(endpoint);
                if (address == null || address.isUnresolved()) {
                    log.warn("{} lists '{}', which is not a reachable host:port; skipped", target, endpoint);
                } else {
                    groups.add(new EquivalentAddressGroup(address));
                }
            }
            if (groups.isEmpty()) {
                return StatusOr.fromStatus(
                        Status.UNAVAILABLE.withDescription("no instance of " + target + " is registered"));
            }
            return StatusOr.fromValue(groups);
        }

        /** {@code host:port} or {@code [v6]:port} → a resolved address; null when malformed. */
        static InetSocketAddress socketAddress(String endpoint) {
            int colon = endpoint.lastIndexOf(':');
            if (colon <= 0 || colon == endpoint.length() - 1) {
                return null;
            }
            String host = endpoint.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(endpoint.substring(colon + 1));
                return port > 0 && port <= 65535 ? new InetSocketAddress(host, port) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }

        @Override
        public void refresh() {
            // nothing to do: the resolver watches the registry and reports every change
        }

        @Override
        public void shutdown() {
            shutdown = true;
            if (subscription != null) {
                subscription.close();
            }
        }
    }
}
