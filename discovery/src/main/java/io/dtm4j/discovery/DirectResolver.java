package io.dtm4j.discovery;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * go-zero's {@code direct:///host1:port1,host2:port2} targets: a fixed list of endpoints, no
 * registry.
 */
public final class DirectResolver implements Resolver {
    @Override
    public Set<String> schemes() {
        return Set.of("direct");
    }

    @Override
    public void check(URI target) {
        endpoints(target);
    }

    @Override
    public Subscription follow(URI target, Listener listener) {
        listener.endpoints(endpoints(target));
        return () -> {};
    }

    private static List<String> endpoints(URI target) {
        String path = target.getPath() == null ? "" : target.getPath();
        List<String> endpoints = Arrays.stream(path.replaceFirst("^/+", "").split(","))
                .map(String::trim)
                .filter(e -> !e.isEmpty())
                .sorted()
                .toList();
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException(
                    "'" + target + "' names no endpoint: expected direct:///host:port[,host:port…]");
        }
        return endpoints;
    }
}
