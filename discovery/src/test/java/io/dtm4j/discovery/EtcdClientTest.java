package io.dtm4j.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.discovery.testing.EtcdProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The etcd gateway client when etcd goes away and comes back, and with authentication on. */
class EtcdClientTest {

    @Test
    void resolutionResumesAfterEtcdRestarts() {
        try (var etcd = EtcdProcess.start();
                var client = etcd.client()) {
            client.put("restart.rpc/1", "127.0.0.1:1001", 0);
            AtomicReference<List<String>> seen = new AtomicReference<>();
            var listener = new Resolver.Listener() {
                @Override
                public void endpoints(List<String> endpoints) {
                    seen.set(endpoints);
                }

                @Override
                public void error(String problem) {}
            };
            var target = URI.create("etcd://" + etcd.address() + "/restart.rpc");
            try (var subscription = new EtcdResolver().follow(target, listener)) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> List.of("127.0.0.1:1001").equals(seen.get()));

                etcd.restart(); // the watch stream breaks; the resolver lists again and watches anew
                client.put("restart.rpc/2", "127.0.0.1:1002", 0);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> List.of("127.0.0.1:1001", "127.0.0.1:1002").equals(seen.get()));
                client.delete("restart.rpc/1");
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> List.of("127.0.0.1:1002").equals(seen.get()));
            }
        }
    }

    @Test
    void anAccountInTheTargetIsUsedAndABadOneRefused() throws Exception {
        try (var etcd = EtcdProcess.start()) {
            enableAuth(etcd.address(), "s3cret");
            var target = EtcdTarget.parse("etcd://" + etcd.address() + "/auth.rpc?user=root&password=s3cret");
            try (var registration = EtcdRegistration.start(target, "127.0.0.1:2001");
                    var client = new EtcdClient(target, Duration.ofSeconds(3))) {
                assertThat(client.list("auth.rpc/").values()).containsValue("127.0.0.1:2001");
            }
            var anonymous = EtcdTarget.parse("etcd://" + etcd.address() + "/auth.rpc");
            assertThatThrownBy(() -> EtcdRegistration.start(anonymous, "127.0.0.1:2001"))
                    .isInstanceOf(EtcdException.class)
                    .hasMessageContaining("answered");
            var wrong = EtcdTarget.parse("etcd://" + etcd.address() + "/auth.rpc?user=root&password=nope");
            assertThatThrownBy(() -> EtcdRegistration.start(wrong, "127.0.0.1:2001"))
                    .isInstanceOf(EtcdException.class)
                    .hasMessageContaining("refused user 'root'")
                    .hasMessageNotContaining("nope");
        }
    }

    @Test
    void anotherHostTakesOverWhenTheFirstCannotBeReached() {
        try (var etcd = EtcdProcess.start()) {
            String dead = "127.0.0.1:" + EtcdProcess.freePort();
            var target = EtcdTarget.parse("etcd://" + dead + "," + etcd.address() + "/failover.rpc");
            try (var registration = EtcdRegistration.start(target, "127.0.0.1:3001");
                    var client = etcd.client()) {
                assertThat(client.list("failover.rpc/").values()).containsValue("127.0.0.1:3001");
            }
        }
    }

    /** Creates user root (role root) and turns authentication on, through the gateway. */
    private static void enableAuth(String address, String password) throws Exception {
        try (var http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            for (String[] call : new String[][] {
                {"/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"" + password + "\"}"},
                {"/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}"},
                {"/v3/auth/enable", "{}"}
            }) {
                var response = http.send(
                        HttpRequest.newBuilder(URI.create("http://" + address + call[0]))
                                .POST(HttpRequest.BodyPublishers.ofString(call[1]))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode())
                        .as(call[0] + ": " + response.body())
                        .isEqualTo(200);
            }
        }
    }
}
