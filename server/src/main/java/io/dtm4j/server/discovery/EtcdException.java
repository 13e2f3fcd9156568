package io.dtm4j.server.discovery;

/** An etcd request that failed: etcd unreachable on every host, or an error answer of its gateway. */
public final class EtcdException extends RuntimeException {
    public EtcdException(String message, Throwable cause) {
        super(message, cause);
    }
}
