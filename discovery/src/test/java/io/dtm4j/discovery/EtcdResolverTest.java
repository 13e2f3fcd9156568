package io.dtm4j.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.discovery.testing.EtcdProcess;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** go-zero's etcd layout as dtm4j writes and reads it, against a real etcd. */
class EtcdResolverTest {
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

    /** Records what a resolver reports. */
    private static final class Seen implements Resolver.Listener {
        final AtomicReference<List<String>> endpoints = new AtomicReference<>();
        final List<List<String>> history = new CopyOnWriteArrayList<>();

        @Override
        public void endpoints(List<String> list) {
            endpoints.set(list);
            history.add(list);
        }

        @Override
        public void error(String problem) {}
    }

    @Test
    void registrationIsAKeyNamedByTheLeaseHoldingTheEndpoint() {
        try (var registration =
                EtcdRegistration.start(EtcdTarget.parse("etcd://" + etcd.address() + "/layout.rpc"), "10.1.2.3:9000")) {
            var listing = client.list("layout.rpc/");
            assertThat(listing.values()).hasSize(1).containsValue("10.1.2.3:9000");
            String key = listing.values().keySet().iterator().next();
            assertThat(key).isEqualTo(registration.key()).matches("layout\\.rpc/\\d+");
        }
        assertThat(client.list("layout.rpc/").values()).isEmpty();
    }

    @Test
    void resolutionFollowsAnInstanceThatRegistersAgainOnAnotherPort() {
        var target = URI.create("etcd://" + etcd.address() + "/trans.rpc");
        var seen = new Seen();
        try (var subscription = new EtcdResolver().follow(target, seen)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> List.of().equals(seen.endpoints.get()));

            var first = EtcdRegistration.start(EtcdTarget.of(target), "127.0.0.1:58081");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> List.of("127.0.0.1:58081").equals(seen.endpoints.get()));

            first.close(); // the instance restarts on another port
            var second = EtcdRegistration.start(EtcdTarget.of(target), "127.0.0.1:58082");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> List.of("127.0.0.1:58082").equals(seen.endpoints.get()));

            var third = EtcdRegistration.start(EtcdTarget.of(target), "127.0.0.1:58083");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> List.of("127.0.0.1:58082", "127.0.0.1:58083").equals(seen.endpoints.get()));
            second.close();
            third.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> List.of().equals(seen.endpoints.get()));
        }
        // other services' keys, and keys merely sharing the prefix text, never show up
        assertThat(seen.history).noneMatch(list -> list.stream().anyMatch(e -> !e.startsWith("127.0.0.1:5808")));
    }

    @Test
    void resolutionIgnoresNeighbouringKeysAndDuplicates() {
        client.put("shop.rpc.v2/1", "127.0.0.1:1111", 0); // shares the text, not the prefix "shop.rpc/"
        client.put("shop.rpc/1", "127.0.0.1:2222", 0);
        client.put("shop.rpc/2", "127.0.0.1:2222", 0);
        var seen = new Seen();
        try (var subscription =
                new EtcdResolver().follow(URI.create("discov://" + etcd.address() + "/shop.rpc"), seen)) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> List.of("127.0.0.1:2222").equals(seen.endpoints.get()));
            client.delete("shop.rpc/1");
            client.put("shop.rpc/3", "127.0.0.1:3333", 0);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> List.of("127.0.0.1:2222", "127.0.0.1:3333").equals(seen.endpoints.get()));
        } finally {
            client.delete("shop.rpc.v2/1");
            client.delete("shop.rpc/2");
            client.delete("shop.rpc/3");
        }
    }

    @Test
    void aLostLeaseIsReplacedByANewRegistration() {
        var target = EtcdTarget.parse("etcd://" + etcd.address() + "/lost.rpc");
        try (var registration = EtcdRegistration.start(target, "127.0.0.1:7000")) {
            String before = registration.key();
            long lease = Long.parseLong(before.substring(before.indexOf('/') + 1));
            client.revoke(lease); // as if etcd had let it expire
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !registration.key().equals(before));
            assertThat(client.list("lost.rpc/").values())
                    .containsExactly(java.util.Map.entry(registration.key(), "127.0.0.1:7000"));
        }
    }
}
