package io.dtm4j.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;

/**
 * A single-node Kafka (KRaft, broker and controller in one process) of this test alone, run as a
 * child JVM from the kafka_2.13 artifact on the test class path, on free ports with its log
 * directory in a temporary directory. A test may kill it (SIGKILL) and start it again on the same
 * ports and data.
 */
public final class KafkaProcess implements AutoCloseable {
    private static final Duration START_LIMIT = Duration.ofSeconds(90);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private Process process;
    private int starts;

    public KafkaProcess() {
        try {
            dir = Files.createTempDirectory("dtm4j-kafka");
            port = freePort();
            controllerPort = freePort();
            Files.writeString(
                    dir.resolve("server.properties"),
                    String.join(
                            "\n",
                            List.of(
                                    "process.roles=broker,controller",
                                    "node.id=1",
                                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
                                            + controllerPort,
                                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                                    "controller.listener.names=CONTROLLER",
                                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                                    "inter.broker.listener.name=PLAINTEXT",
                                    "log.dirs=" + dir.resolve("data"),
                                    "offsets.topic.replication.factor=1",
                                    "transaction.state.log.replication.factor=1",
                                    "transaction.state.log.min.isr=1",
                                    "group.initial.rebalance.delay.ms=0",
                                    "num.partitions=1")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(uuidBytes());
        run(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                clusterId,
                "-c",
                dir.resolve("server.properties").toString());
        start();
    }

    /** Whether the Kafka broker is on the class path. */
    public static boolean available() {
        try {
            Class.forName("kafka.Kafka", false, KafkaProcess.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** {@code 127.0.0.1:port} of the broker's listener. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker and waits until it says it started. */
    public synchronized void start() {
        Path log = dir.resolve("kafka-" + (++starts) + ".log");
        process = launch(log, "kafka.Kafka", dir.resolve("server.properties").toString());
        Awaitility.await("Kafka on " + address() + " (log: " + log + ")")
                .atMost(START_LIMIT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("Kafka exited with " + process.exitValue() + ": see " + log);
                    }
                    return Files.readString(log).contains("Kafka Server started");
                });
    }

    /** Kills the broker (SIGKILL); its data stays for {@link #start}. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run(String main, String... args) {
        Path log = dir.resolve(main.substring(main.lastIndexOf('.') + 1) + ".log");
        Process p = launch(log, main, args);
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException(main + " exited with " + p.exitValue() + ": see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Process launch(Path log, String main, String... args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new java.util.ArrayList<>(List.of(
                java,
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                main));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static byte[] uuidBytes() {
        UUID id = UUID.randomUUID();
        var b = java.nio.ByteBuffer.allocate(16);
        b.putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        return b.array();
    }

    @Override
    public void close() {
        stop();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
