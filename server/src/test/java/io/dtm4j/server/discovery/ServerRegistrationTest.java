package io.dtm4j.server.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.discovery.EtcdClient;
import io.dtm4j.discovery.EtcdRegistration;
import io.dtm4j.discovery.testing.EtcdProcess;
import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import io.dtm4j.server.testing.ServerProcess;
import io.dtm4j.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server registers itself in etcd as dtm's go-zero driver does (docs/protocol.md §14), and
 * withdraws on the way out.
 */
class ServerRegistrationTest {
    private static EtcdProcess etcd;
    private static EtcdClient client;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
        client = etcd.client();
    }

    @AfterAll
    static void stopEtcd() {
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static MicroServiceConfig goZero(String target, String endPoint) {
        return new MicroServiceConfig("dtm-driver-gozero", target, endPoint);
    }

    @Test
    void theServerIsListedUnderItsKeyWhileItRunsAndWithdrawnWhenItStops() {
        String target = "etcd://" + etcd.address() + "/dtmservice";
        try (var server = new TestServer(c -> c.withMicroService(goZero(target, "localhost:36790")))) {
            var listing = client.list("dtmservice/");
            assertThat(listing.values()).hasSize(1);
            var entry = listing.values().entrySet().iterator().next();
            assertThat(entry.getKey()).matches("dtmservice/\\d+");
            assertThat(entry.getValue()).isEqualTo("localhost:36790");
            assertThat(server.get("/api/ping").status()).isEqualTo(200);
        }
        assertThat(client.list("dtmservice/").values()).isEmpty(); // revoked at once, not left to expire
    }

    @Test
    void anUnreachableRegistryStopsTheStart() {
        String target = "etcd://127.0.0.1:" + EtcdProcess.freePort() + "/dtmservice";
        assertThatThrownBy(() -> new TestServer(c -> c.withMicroService(goZero(target, "localhost:36790"))))
                .hasMessageContaining("cannot register in MicroService.Target " + target)
                .hasMessageContaining("cannot reach etcd");
    }

    @Test
    void aTargetOfAnotherRegistryStopsTheStart() {
        assertThatThrownBy(() -> new TestServer(
                        c -> c.withMicroService(goZero("consul://127.0.0.1:8500/dtmservice", "localhost:36790"))))
                .hasMessageContaining("dtm4j registers in etcd only");
    }

    @Test
    void theDefaultDriverRegistersNowhere() {
        String target = "etcd://" + etcd.address() + "/ignored";
        try (var server =
                new TestServer(c -> c.withMicroService(new MicroServiceConfig("default", target, "localhost:1")))) {
            assertThat(client.list("ignored/").values()).isEmpty();
        }
    }

    @Test
    void aKilledServersEntryExpiresWithItsLease(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        var env = Map.of(
                "MICRO_SERVICE_DRIVER", "dtm-driver-gozero",
                "MICRO_SERVICE_TARGET", "etcd://" + etcd.address() + "/killed",
                "MICRO_SERVICE_END_POINT", "127.0.0.1:46790",
                "GRPC_PORT", "0");
        try (var server = new ServerProcess(data, env).start()) {
            // the server answers pings a moment before it registers
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> client.list("killed/").values().containsValue("127.0.0.1:46790"));
            server.kill();
            // no revoke ran: the key lives until the lease's TTL runs out
            assertThat(client.list("killed/").values()).isNotEmpty();
            await().atMost(Duration.ofSeconds(EtcdRegistration.TTL_SECONDS + 10))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> client.list("killed/").values().isEmpty());
        }
    }
}
