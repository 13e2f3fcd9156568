package io.dtm4j.server.discovery;

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
    public Subscription follow(URI target, Listener listener) {
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
        listener.endpoints(endpoints);
        return () -> {};
    }
}
