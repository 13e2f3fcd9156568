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
public final class PrivateRedis extends OneProcessStore {
    /** The binary; on the PATH. */
    public static final String BINARY = "redis-server";

    private Path log;

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

    @Override
    protected void launch() throws IOException, InterruptedException {
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

    @Override
    public Map<String, String> serverEnv() {
        return Map.of(
                "STORE_DRIVER", "redis",
                "STORE_HOST", "127.0.0.1",
                "STORE_PORT", String.valueOf(port),
                "STORE_REDIS_PREFIX", "{f}");
    }

    @Override
    protected String program() {
        return "redis";
    }
}
