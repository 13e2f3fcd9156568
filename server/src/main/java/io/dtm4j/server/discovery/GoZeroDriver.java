package io.dtm4j.server.discovery;

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
        if (!url.contains("//")) {
            int slash = url.indexOf('/');
            String form = "host:port/package.Service/Method";
            if (slash < 0) {
                throw new IllegalArgumentException("gRPC URL '" + url + "' is not of the form " + form);
            }
            return ServiceMethod.checked(url, url.substring(0, slash), url.substring(slash), form);
        }
        return splitAfterFirstSegment(url);
    }

    /** {@code scheme://authority/first/rest…} → target {@code scheme://authority/first}, method {@code /rest…}. */
    static ServiceMethod splitAfterFirstSegment(String url) {
        String form = "scheme://host:port/service/package.Service/Method";
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not a URL: " + e.getReason(), e);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (uri.getScheme() == null || path.length() < 2) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not of the form " + form);
        }
        int cut = path.indexOf('/', 1);
        if (cut < 0) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not of the form " + form);
        }
        String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
        String target = uri.getScheme() + "://" + authority + path.substring(0, cut);
        return ServiceMethod.checked(url, target, path.substring(cut), form);
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
        return List.of(new EtcdResolver(), new DirectResolver());
    }
}
