package io.dtm4j.discovery.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dtm4j.discovery.EtcdClient;
import io.dtm4j.discovery.EtcdTarget;
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
    private final Path binary;
    private final Path dataDir;
    private final int clientPort;
    private final int peerPort;
    private Process process;

    private EtcdProcess(Path binary, Path dataDir, int clientPort, int peerPort) {
        this.binary = binary;
        this.dataDir = dataDir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
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
            var etcd = new EtcdProcess(binary.get(), Files.createTempDirectory("dtm4j-etcd"), freePort(), freePort());
            try {
                etcd.launch();
            } catch (RuntimeException e) {
                etcd.close();
                throw e;
            }
            return etcd;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops etcd (SIGTERM) and starts it again on the same ports and data. */
    public void restart() {
        stopProcess();
        launch();
    }

    private void launch() {
        String clientUrl = "http://127.0.0.1:" + clientPort;
        String peerUrl = "http://127.0.0.1:" + peerPort;
        try {
            process = new ProcessBuilder(
                            binary.toString(),
                            "--name=dtm4j-test",
                            "--data-dir=" + dataDir.resolve("data"),
                            "--listen-client-urls=" + clientUrl,
                            "--advertise-client-urls=" + clientUrl,
                            "--listen-peer-urls=" + peerUrl,
                            "--initial-advertise-peer-urls=" + peerUrl,
                            "--initial-cluster=dtm4j-test=" + peerUrl,
                            "--log-level=warn")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            dataDir.resolve("etcd.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitReady();
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

    private void stopProcess() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopProcess();
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

    /** A loopback port free at the time of the call, e.g. for an address that must refuse connections. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
