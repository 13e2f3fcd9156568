package io.dtm4j.server.invoke.grpc;

/**
 * A gRPC branch URL split as dtm's default driver does (docs/protocol.md §6.4): the dial target is
 * the text before the first {@code /}, the method path the rest, e.g. {@code
 * localhost:58081/busi.Busi/TransOut} → {@code localhost:58081} + {@code busi.Busi/TransOut}.
 *
 * @param target the channel target, e.g. {@code localhost:58081} or {@code dns:///busi:58081}
 * @param fullMethodName the method without its leading slash, e.g. {@code busi.Busi/TransOut}
 */
public record GrpcTarget(String target, String fullMethodName) {

    /**
     * Splits {@code url}.
     *
     * @throws IllegalArgumentException when the URL has a scheme ({@code ://}: that needs a
     *     service-discovery driver) or lacks a target or a {@code package.Service/Method} path
     */
    public static GrpcTarget parse(String url) {
        if (url.contains("://")) {
            throw new IllegalArgumentException("gRPC URL '" + url
                    + "' has a scheme: only host:port/package.Service/Method URLs are supported"
                    + " (the default driver; service-discovery drivers are not available)");
        }
        int slash = url.indexOf('/');
        String target = slash < 0 ? url : url.substring(0, slash);
        String method = slash < 0 ? "" : url.substring(slash + 1);
        int methodSlash = method.indexOf('/');
        if (target.isEmpty() || methodSlash <= 0 || methodSlash == method.length() - 1) {
            throw new IllegalArgumentException(
                    "gRPC URL '" + url + "' is not of the form host:port/package.Service/Method");
        }
        return new GrpcTarget(target, method);
    }
}
