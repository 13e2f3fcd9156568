package io.dtm4j.faults.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A private store that is one server process (mariadbd, redis-server): stopped by kill -9, as a
 * crash would, and started again by launching the same command on the same data and port.
 */
abstract class OneProcessStore implements StoreInstance {
    protected Path dir;
    protected int port;
    protected Process process;

    /** Starts the process on {@link #dir} and {@link #port} and waits until it serves. */
    protected abstract void launch() throws IOException, InterruptedException;

    /** The program's name, for messages. */
    protected abstract String program();

    /** Returns the port it listens on, 127.0.0.1 only. */
    public int port() {
        return port;
    }

    /** Returns the running process, or null when stopped. */
    public synchronized Process process() {
        return process;
    }

    @Override
    public boolean canBeStopped() {
        return true;
    }

    @Override
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            LocalProcesses.kill(List.of(process.pid()));
            process.waitFor();
            process = null;
        }
    }

    @Override
    public synchronized void restart() throws IOException, InterruptedException {
        if (process != null) {
            throw new IllegalStateException(program() + " on port " + port + " is running");
        }
        launch();
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + program() + " on port " + port, e);
        } finally {
            LocalProcesses.deleteTree(dir);
        }
    }
}
