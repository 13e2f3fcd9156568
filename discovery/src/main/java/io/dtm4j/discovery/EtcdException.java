package io.dtm4j.discovery;

/** An etcd request that failed: etcd unreachable on every host, or an error answer of its gateway. */
public final class EtcdException extends RuntimeException {
    /** An error saying {@code message}, caused by {@code cause} (null when etcd answered with an error). */
    public EtcdException(String message, Throwable cause) {
        super(message, cause);
    }
}
