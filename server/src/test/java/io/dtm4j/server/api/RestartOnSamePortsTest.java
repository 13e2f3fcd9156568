package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A server started right after the previous one stopped, on the same HTTP and gRPC ports, binds
 * them: {@code close()} releases both ports before it returns, and the listeners set SO_REUSEADDR so
 * that the connections the previous server closed, left in TIME_WAIT on its ports, do not stand in
 * the way. The ports lie below the OS's ephemeral range, where no outgoing connection can take them.
 */
class RestartOnSamePortsTest {
    private static final int RESTARTS = 20;

    private final int http = freePort(0);
    private final int grpc = freePort(http);

    @Test
    void startsAgainAndAgainOnThePortsOfTheServerStoppedJustBefore() throws InterruptedException {
        for (int i = 0; i < RESTARTS; i++) {
            runAndStop("start " + i);
        }
    }

    @Test
    void startsWhileTheStoppedServersConnectionsAreInTimeWaitOnBothPorts() throws InterruptedException {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "reads socket states from /proc/net");
        runAndStop("first");
        // the server closed first, so its ends go to TIME_WAIT once the clients have closed theirs
        Awaitility.await("the stopped server's connections in TIME_WAIT on both ports")
                .atMost(Duration.ofSeconds(10))
                .until(() -> timeWaitOn(http) && timeWaitOn(grpc));

        try (var second = new TestServer(c -> Configs.ports(c, http, grpc))) {
            assertThat(second.server().httpPort()).isEqualTo(http);
            assertThat(second.server().grpcPort()).isEqualTo(grpc);
        }
    }

    @Test
    void aStartThatCannotBindTheGrpcPortGivesBackTheHttpPort() throws IOException, InterruptedException {
        try (var squatter = new ServerSocket(grpc)) {
            assertThatThrownBy(() -> new TestServer(c -> Configs.ports(c, http, grpc)))
                    .hasMessageContaining("cannot listen on GrpcPort " + grpc)
                    .hasMessageContaining("Address already in use");
        }
        runAndStop("after the failed start");
    }

    /**
     * Starts a server on the two ports, calls it over HTTP and gRPC, and stops it with both clients
     * still connected, as dtm's SDKs keep their connections.
     */
    private void runAndStop(String label) throws InterruptedException {
        var server = new TestServer(c -> Configs.ports(c, http, grpc));
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                        "127.0.0.1", grpc, InsecureChannelCredentials.create())
                .build();
        try {
            assertThat(server.get("/api/ping").status()).as(label).isEqualTo(200);
            assertThat(DtmGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .newGid(Empty.getDefaultInstance())
                            .getGid())
                    .as(label)
                    .isNotEmpty();
        } finally {
            server.close();
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Whether a TCP connection whose local port is {@code port} is in TIME_WAIT (Linux: state 06). */
    private static boolean timeWaitOn(int port) throws IOException {
        String local = String.format(Locale.ROOT, ":%04X", port);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(table);
            if (Files.isReadable(p)
                    && Files.readAllLines(p).stream().skip(1).anyMatch(line -> {
                        String[] f = line.trim().split("\\s+"); // sl local_address rem_address st ...
                        return f[1].endsWith(local) && f[3].equals("06");
                    })) {
                return true;
            }
        }
        return false;
    }

    /**
     * A free port below the OS's ephemeral range when that can be read: the OS gives ports in that
     * range to outgoing connections, which would block a bind whatever the socket options.
     */
    private static int freePort(int other) {
        int low = ephemeralLow();
        while (true) {
            int port = low > 11_024 ? ThreadLocalRandom.current().nextInt(low - 10_000, low) : 0;
            try (var s = new ServerSocket(port)) {
                if (s.getLocalPort() != other) {
                    return s.getLocalPort();
                }
            } catch (BindException e) {
                // taken: try another
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static int ephemeralLow() {
        try {
            // not Files.readString: it has been seen to read only the first byte of a /proc/sys file
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .getFirst()
                    .trim()
                    .split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0; // unknown: let the OS pick
        }
    }
}
