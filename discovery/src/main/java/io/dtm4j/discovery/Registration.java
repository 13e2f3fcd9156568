package io.dtm4j.discovery;

/** The server's entry in a registry, kept alive until {@link #close} withdraws it. */
public interface Registration extends AutoCloseable {
    /** Nothing registered. */
    Registration NONE = () -> {};

    /** Withdraws the entry; best effort, never throws. */
    @Override
    void close();
}
