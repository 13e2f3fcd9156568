package io.dtm4j.discovery;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A gRPC branch URL split into the channel's dial target and the method (docs/protocol.md §14),
 * with the two splitting rules of dtm's drivers: {@link #atFirstSlash} (the {@code default} driver)
 * and {@link #goZero} ({@code dtm-driver-gozero}, which the Java SDK applies to the URLs it calls
 * itself).
 *
 * @param target the dial target, e.g. {@code localhost:58081} or {@code etcd://localhost:2379/trans.rpc}
 * @param method the method path with its leading slash, e.g. {@code /trans.TransSvc/TransOut}
 */
public record ServiceMethod(String target, String method) {
    private static final String HOST_PORT_FORM = "host:port/package.Service/Method";
    private static final String REGISTRY_FORM = "scheme://host:port/service/package.Service/Method";

    /** The method as grpc-java names it, without the leading slash: {@code trans.TransSvc/TransOut}. */
    public String fullMethodName() {
        return method.substring(1);
    }

    /**
     * go-zero's rule: a URL without {@code //} splits at its first slash ({@link #atFirstSlash});
     * any other is read as a URL and split after its first path segment ({@link #afterService}), so
     * {@code etcd://localhost:2379/trans.rpc/trans.TransSvc/TransOut} gives {@code
     * etcd://localhost:2379/trans.rpc} and {@code /trans.TransSvc/TransOut}.
     *
     * @throws IllegalArgumentException naming the URL and the expected form
     */
    public static ServiceMethod goZero(String url) {
        return url.contains("//") ? afterService(url) : atFirstSlash(url);
    }

    /**
     * {@code host:port/package.Service/Method} → target {@code host:port}, method {@code
     * /package.Service/Method}.
     *
     * @throws IllegalArgumentException naming the URL and the expected form
     */
    public static ServiceMethod atFirstSlash(String url) {
        int slash = url.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not of the form " + HOST_PORT_FORM);
        }
        return checked(url, url.substring(0, slash), url.substring(slash), HOST_PORT_FORM);
    }

    /**
     * {@code scheme://authority/service/package.Service/Method} → target {@code
     * scheme://authority/service}, method {@code /package.Service/Method}; e.g. {@code
     * dns:///busi:58081/busi.Busi/TransOut} → {@code dns:///busi:58081}.
     *
     * @throws IllegalArgumentException naming the URL and the expected form
     */
    public static ServiceMethod afterService(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not a URL: " + e.getReason(), e);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        int cut = path.length() < 2 ? -1 : path.indexOf('/', 1);
        if (uri.getScheme() == null || cut < 0) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not of the form " + REGISTRY_FORM);
        }
        String authority = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
        String target = uri.getScheme() + "://" + authority + path.substring(0, cut);
        return checked(url, target, path.substring(cut), REGISTRY_FORM);
    }

    /** Checks the parts of {@code url}: a non-empty target and a {@code /package.Service/Method} path. */
    private static ServiceMethod checked(String url, String target, String method, String form) {
        int slash = method.indexOf('/', 1);
        if (target.isEmpty()
                || !method.startsWith("/")
                || slash <= 1
                || slash == method.length() - 1
                || method.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("gRPC URL '" + url + "' is not of the form " + form);
        }
        return new ServiceMethod(target, method);
    }
}
