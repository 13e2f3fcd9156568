package io.dtm4j.faults.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The embedded store: no process of its own, the one server node keeps it in a data directory under
 * {@code dir}. It lives and dies with that server, so the nemesis cannot stop it separately (crashing
 * the server is the fault), and it is used with exactly one server node: the directory is not shared.
 */
public final class EmbeddedStore implements StoreInstance {
    private Path dir;

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public synchronized void start(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    @Override
    public synchronized Map<String, String> serverEnv() {
        if (dir == null) {
            throw new IllegalStateException("not started");
        }
        return Map.of(
                "STORE_DRIVER",
                "embedded",
                "STORE_DATA_DIR",
                dir.resolve("embedded").toString());
    }

    @Override
    public boolean canBeStopped() {
        return false;
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("the embedded store is part of its server: crash the server instead");
    }

    @Override
    public void restart() {
        throw new UnsupportedOperationException("the embedded store is part of its server: restart the server instead");
    }

    @Override
    public synchronized void close() {
        LocalProcesses.deleteTree(dir);
    }
}
