package io.dtm4j.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * A nats-server with JetStream of this test alone (on a free port, its store in a temporary
 * directory), which a test may stop and start again on the same port and store: the machine's
 * NATS is never touched.
 */
public final class PrivateNats implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/nats-server");

    private final int port;
    private final Path storeDir;
    private Process process;

    public PrivateNats() {
        try (var probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
            storeDir = Files.createTempDirectory("dtm4j-nats");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    public int port() {
        return port;
    }

    public synchronized void start() {
        try {
            process = new ProcessBuilder(
                            BINARY.toString(),
                            "-a",
                            "127.0.0.1",
                            "-p",
                            String.valueOf(port),
                            "-js",
                            "-sd",
                            storeDir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(storeDir.resolve("nats.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Awaitility.await("nats-server on port " + port)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(this::answers);
    }

    /** Kills the server (SIGKILL): the store keeps what it had written. */
    public synchronized void stop() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean answers() {
        if (!process.isAlive()) {
            throw new IllegalStateException("nats-server exited: see " + storeDir.resolve("nats.log"));
        }
        try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.walk(storeDir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
