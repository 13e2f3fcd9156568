package io.dtm4j.server.discovery;

import io.dtm4j.discovery.Registration;
import io.dtm4j.discovery.Resolver;
import io.dtm4j.discovery.ServiceMethod;
import java.util.List;

/**
 * dtm's {@code default} driver: gRPC branch URLs are {@code host:port/package.Service/Method}, split
 * at the first slash; a URL with a scheme ({@code ://}) is refused, except {@code dns:} URLs
 * (a dtm4j extension, resolved by grpc-java); nothing is registered.
 */
final class DefaultDriver implements MicroServiceDriver {
    static final String NAME = "default";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ServiceMethod split(String url) {
        if (url.startsWith("dns:")) {
            return ServiceMethod.afterService(url);
        }
        if (url.contains("://")) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' has a scheme: the default driver takes"
                    + " host:port/package.Service/Method; set MicroService.Driver to dtm-driver-gozero for etcd URLs");
        }
        return ServiceMethod.atFirstSlash(url);
    }

    @Override
    public Registration register(String target, String endpoint) {
        return Registration.NONE; // as in dtm: the default driver has no registry
    }

    @Override
    public List<Resolver> resolvers() {
        return List.of();
    }
}
