package io.dtm4j.server.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import io.dtm4j.server.grpc.GrpcBusinessStub;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * gRPC branch URL forms without a registry, under each driver (docs/protocol.md §14): what is
 * called, what is refused.
 */
class GrpcUrlFormsTest {

    /** Submits a one-step gRPC saga over HTTP and waits for its outcome; returns the HTTP status. */
    private static int submit(TestServer dtm, String gid, String action) {
        var body = Map.of(
                "gid",
                gid,
                "trans_type",
                "saga",
                "protocol",
                "grpc",
                "wait_result",
                true,
                "steps",
                List.of(Map.of("action", action)),
                "payloads",
                List.of("{}"));
        return dtm.post("/api/dtmsvr/submit", body).status();
    }

    @Test
    void theDefaultDriverCallsDnsUrlsAndRefusesRegistryUrls() {
        try (var dtm = new TestServer();
                var busi = new GrpcBusinessStub()) {
            assertThat(submit(dtm, "dns-url", "dns:///" + busi.url("TransOut"))).isEqualTo(200);
            assertThat(dtm.status("dns-url")).isEqualTo("succeed");
            assertThat(busi.trail("dns-url")).containsExactly("TransOut action");

            // a URL the driver cannot call is refused at submit (docs/security.md), nothing stored
            assertThat(submit(dtm, "etcd-url-default", "etcd://127.0.0.1:1/trans.rpc/busi.Busi/TransOut"))
                    .isEqualTo(400);
            assertThat(dtm.status("etcd-url-default")).isEmpty();
        }
    }

    @Test
    void theGoZeroDriverCallsDirectUrlsOverEveryListedInstance() {
        var goZero = new MicroServiceConfig("dtm-driver-gozero", "", "");
        try (var dtm = new TestServer(c -> c.withMicroService(goZero));
                var a = new GrpcBusinessStub();
                var b = new GrpcBusinessStub()) {
            String url = "direct:///" + a.address() + "," + b.address() + "/busi.Busi/TransOut";
            assertThat(submit(dtm, "direct-url", url)).isEqualTo(200);
            assertThat(dtm.status("direct-url")).isEqualTo("succeed");
            // round robin over the connected instances: once both are, each gets calls
            var gids = new java.util.ArrayList<String>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String gid = "direct-url-" + gids.size();
                gids.add(gid);
                assertThat(submit(dtm, gid, url)).isEqualTo(200);
                return gids.stream().anyMatch(g -> !a.calls(g).isEmpty())
                        && gids.stream().anyMatch(g -> !b.calls(g).isEmpty());
            });
        }
    }

    @Test
    void grpcServiceConfigChoosesTheLoadBalancing() {
        var goZero = new MicroServiceConfig("dtm-driver-gozero", "", "");
        String pickFirst = "{\"loadBalancingConfig\": [{\"pick_first\": {}}]}";
        try (var dtm = new TestServer(c -> Configs.grpcServiceConfig(c.withMicroService(goZero), pickFirst));
                var a = new GrpcBusinessStub();
                var b = new GrpcBusinessStub()) {
            String url = "direct:///" + a.address() + "," + b.address() + "/busi.Busi/TransOut";
            int onA = 0;
            int onB = 0;
            for (int i = 0; i < 20; i++) {
                assertThat(submit(dtm, "pick-first-" + i, url)).isEqualTo(200);
                onA += a.calls("pick-first-" + i).size();
                onB += b.calls("pick-first-" + i).size();
            }
            // pick_first sticks to one instance; round robin would have spread the calls over both
            assertThat(onA + onB).isEqualTo(20);
            assertThat(onA == 0 || onB == 0)
                    .as("calls on a: %d, on b: %d", onA, onB)
                    .isTrue();
        }
    }
}
