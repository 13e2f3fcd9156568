package io.dtm4j.server.discovery;

/**
 * A gRPC branch URL split by a {@link MicroServiceDriver}: the channel's dial target and the method.
 *
 * @param target the dial target, e.g. {@code localhost:58081} or {@code etcd://localhost:2379/trans.rpc}
 * @param method the method path with its leading slash, e.g. {@code /trans.TransSvc/TransOut}
 */
public record ServiceMethod(String target, String method) {

    /** The method as grpc-java names it, without the leading slash: {@code trans.TransSvc/TransOut}. */
    public String fullMethodName() {
        return method.substring(1);
    }

    /**
     * Checks the parts of {@code url}: a non-empty target and a {@code /package.Service/Method} path.
     *
     * @throws IllegalArgumentException naming the URL and the expected form
     */
    static ServiceMethod checked(String url, String target, String method, String form) {
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
