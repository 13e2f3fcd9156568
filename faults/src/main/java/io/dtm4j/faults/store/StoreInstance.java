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

    /**
     * Creates the instance under {@code dir} (empty or absent; a PostgreSQL one is handed to user
     * postgres when we are root), starts it on a free loopback port and waits until it serves.
     */
    void start(Path dir) throws IOException, InterruptedException;

    /** Returns the environment a dtm4j server needs to use this store (STORE_DRIVER, STORE_HOST, ...). */
    Map<String, String> serverEnv();

    /** Whether {@link #stop} and {@link #restart} apply (false for embedded). */
    boolean canBeStopped();

    /**
     * Stops the store abruptly, as a crash would (kill -9, or PostgreSQL's immediate shutdown: no
     * checkpoint), and returns once all its processes are gone. What it acknowledged before is kept
     * (writes are synced before they are acknowledged); any connection to it fails until {@link
     * #restart}.
     */
    void stop() throws IOException, InterruptedException;

    /**
     * Starts a stopped store again on the same data and port, and waits until it serves (its crash
     * recovery done). Any number of stop/restart cycles may follow each other.
     */
    void restart() throws IOException, InterruptedException;

    /**
     * Stops the store if running (kill -9 is fine), waits until no process of it is left, and deletes
     * its directory. Safe to call more than once.
     */
    @Override
    void close();
}
