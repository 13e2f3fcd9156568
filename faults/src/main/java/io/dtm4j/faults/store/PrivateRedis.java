package io.dtm4j.faults.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A {@code redis-server} of our own, a child process on a free loopback port. Every write is appended
 * to the AOF and fsynced before Redis answers ({@code appendfsync always}), and there are no RDB
 * snapshots, so a kill -9 loses nothing that was acknowledged: the durability the dtm4j Redis store
 * is run with in production.
 */
public final class PrivateRedis implements StoreInstance {
    /** The binary; on the PATH. */
    public static final String BINARY = "redis-server";

    private Path dir;
    private Path log;
    private int port;
    private Process process;

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public synchronized void start(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir);
        log = dir.resolve("redis.log");
        port = LocalProcesses.freePort();
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        process = LocalProcesses.launch(
                List.of(
                        BINARY,
                        "--port",
                        String.valueOf(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toString(),
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "always",
                        "--save",
                        "",
                        "--daemonize",
                        "no"),
                dir,
                log);
        try {
            // PING fails with -LOADING while the AOF is replayed, so this also waits for the data
            LocalProcesses.await(
                    "redis on port " + port, () -> "PONG".equals(RespClient.command(port, "PING")), process, log);
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Returns the port it listens on, 127.0.0.1 only. */
    public int port() {
        return port;
    }

    /** Returns the running process, or null when stopped. */
    public synchronized Process process() {
        return process;
    }

    @Override
    public Map<String, String> serverEnv() {
        return Map.of(
                "STORE_DRIVER", "redis",
                "STORE_HOST", "127.0.0.1",
                "STORE_PORT", String.valueOf(port),
                "STORE_REDIS_PREFIX", "{f}");
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
            throw new IllegalStateException("redis on port " + port + " is running");
        }
        launch();
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping redis on port " + port, e);
        } finally {
            LocalProcesses.deleteTree(dir);
        }
    }
}
