package io.dtm4j.faults.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The store the servers under test share, private to one run: its own PostgreSQL cluster, MariaDB
 * or Redis process on free loopback ports, which the nemesis may stop and start again (never the
 * machine's shared services). The embedded store lives inside each server and has no process here.
 */
public interface StoreInstance extends AutoCloseable {
    /** Returns the store's name as {@code --store} spells it: embedded, postgres, mysql or redis. */
    String name();

    /** Creates the instance under {@code dir} (empty), starts it and waits until it serves. */
    void start(Path dir) throws IOException, InterruptedException;

    /** Returns the environment a dtm4j server needs to use this store (STORE_DRIVER, STORE_HOST, ...). */
    Map<String, String> serverEnv();

    /** Whether {@link #stop} and {@link #restart} apply (false for embedded). */
    boolean canBeStopped();

    /** Stops the store abruptly, as a crash of its machine would (kill -9 or immediate shutdown). */
    void stop() throws IOException, InterruptedException;

    /** Starts a stopped store again on the same data and port, and waits until it serves. */
    void restart() throws IOException, InterruptedException;

    /** Stops the store if running and deletes its data. */
    @Override
    void close();
}
