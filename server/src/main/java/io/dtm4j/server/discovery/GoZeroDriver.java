package io.dtm4j.server.discovery;

import io.dtm4j.discovery.EtcdRegistration;
import io.dtm4j.discovery.EtcdTarget;
import io.dtm4j.discovery.Registration;
import io.dtm4j.discovery.Resolver;
import io.dtm4j.discovery.ServiceMethod;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * dtm's {@code dtm-driver-gozero}: branch URLs may name a go-zero service registered in etcd, e.g.
 * {@code etcd://localhost:2379/trans.rpc/trans.TransSvc/TransOut} (target {@code
 * etcd://localhost:2379/trans.rpc}, method {@code /trans.TransSvc/TransOut}); URLs without {@code
 * //} split at the first slash as with the default driver. The server registers itself in etcd as
 * go-zero services do ({@link EtcdRegistration}). go-zero's consul and nacos registries are not
 * available in dtm4j.
 */
final class GoZeroDriver implements MicroServiceDriver {
    static final String NAME = "dtm-driver-gozero";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ServiceMethod split(String url) {
        return ServiceMethod.goZero(url);
    }

    @Override
    public Registration register(String target, String endpoint) {
        if (target.isEmpty()) {
            return Registration.NONE; // direct connection or Kubernetes: nothing to publish
        }
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("MicroService.Target '" + target + "' is not a URL: " + e.getReason());
        }
        if (uri.getScheme() == null || !EtcdTarget.SCHEMES.contains(uri.getScheme())) {
            throw new IllegalArgumentException("MicroService.Target '" + target
                    + "': dtm4j registers in etcd only (etcd://host:port/key or discov://host:port/key)");
        }
        return EtcdRegistration.start(EtcdTarget.of(uri), endpoint);
    }

    @Override
    public List<Resolver> resolvers() {
        return Resolver.goZero();
    }
}
