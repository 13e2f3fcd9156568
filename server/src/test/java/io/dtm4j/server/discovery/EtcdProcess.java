package io.dtm4j.server.discovery;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * An etcd of the test's own on free loopback ports (client and peer) with a temporary data
 * directory, stopped and removed by {@link #close}. Tests using it are skipped, with the reason
 * printed, when no {@code etcd} binary is on the PATH ({@code apt-get install etcd-server}).
 */
public final class EtcdProcess implements AutoCloseable {
    private final Path dataDir;
    private final Process process;
    private final int clientPort;

    private EtcdProcess(Path dataDir, Process process, int clientPort) {
        this.dataDir = dataDir;
        this.process = process;
        this.clientPort = clientPort;
    }

    /** Starts etcd and waits until it answers; skips the calling test when etcd is not installed. */
    public static EtcdProcess start() {
        Optional<Path> binary = binary();
        if (binary.isEmpty()) {
            String reason = "etcd is not installed (apt-get install etcd-server): etcd tests skipped";
            System.out.println(reason);
            assumeTrue(false, reason);
        }
        try {
            Path dir = Files.createTempDirectory("dtm4j-etcd");
            int client = freePort();
            int peer = freePort();
            String clientUrl = "http://127.0.0.1:" + client;
            String peerUrl = "http://127.0.0.1:" + peer;
            Process p = new ProcessBuilder(
                            binary.get().toString(),
                            "--name=dtm4j-test",
                            "--data-dir=" + dir.resolve("data"),
                            "--listen-client-urls=" + clientUrl,
                            "--advertise-client-urls=" + clientUrl,
                            "--listen-peer-urls=" + peerUrl,
                            "--initial-advertise-peer-urls=" + peerUrl,
                            "--initial-cluster=dtm4j-test=" + peerUrl,
                            "--log-level=warn")
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("etcd.log").toFile())
                    .start();
            var etcd = new EtcdProcess(dir, p, client);
            try {
                etcd.awaitReady();
            } catch (RuntimeException e) {
                etcd.close();
                throw e;
            }
            return etcd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The client address, {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + clientPort;
    }

    /** A client of this etcd. */
    public EtcdClient client() {
        return new EtcdClient(EtcdTarget.parse("etcd://" + address() + "/any"), Duration.ofSeconds(3));
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        try (http) {
            Awaitility.await("etcd on " + address() + " answers")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(
                                    "etcd exited: " + Files.readString(dataDir.resolve("etcd.log")));
                        }
                        return http.send(
                                        HttpRequest.newBuilder(URI.create("http://" + address() + "/health"))
                                                .timeout(Duration.ofSeconds(1))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body()
                                .contains("true");
                    });
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    private static Optional<Path> binary() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator))
                .map(dir -> Path.of(dir, "etcd"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
