package io.dtm4j.server.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.dtm4j.discovery.EtcdRegistration;
import io.dtm4j.discovery.EtcdTarget;
import io.dtm4j.discovery.testing.EtcdProcess;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import io.dtm4j.server.grpc.GrpcBusinessStub;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The go-zero scenario end to end: business services and the server registered in etcd, a client
 * that dials the server by its etcd name, saga steps named {@code etcd://…/trans.rpc/busi.Busi/…},
 * and instances that come and go while the server runs.
 */
class EtcdGrpcSagaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EtcdProcess etcd;
    private static TestServer dtm;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        etcd = EtcdProcess.start();
        int grpcPort = EtcdProcess.freePort(); // known before start: it is the published EndPoint
        var settings = new MicroServiceConfig(
                "dtm-driver-gozero", "etcd://" + etcd.address() + "/dtmservice", "127.0.0.1:" + grpcPort);
        dtm = new TestServer(c -> Configs.grpcPort(c, grpcPort).withMicroService(settings));
        // the client finds the server through etcd, with the resolver the server installed for etcd://
        channel = Grpc.newChannelBuilder(
                        "etcd://" + etcd.address() + "/dtmservice", InsecureChannelCredentials.create())
                .build();
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (dtm != null) {
            dtm.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static EtcdRegistration register(GrpcBusinessStub busi) {
        return EtcdRegistration.start(EtcdTarget.parse("etcd://" + etcd.address() + "/trans.rpc"), busi.address());
    }

    private static String url(String method) {
        return "etcd://" + etcd.address() + "/trans.rpc/busi.Busi/" + method;
    }

    /** Submits a two-step transfer saga over gRPC, every URL an etcd name, without waiting for it. */
    private static void submitTransfer(String gid) throws Exception {
        var steps = List.of(
                Map.of("action", url("TransOut"), "compensate", url("TransOutRevert")),
                Map.of("action", url("TransIn"), "compensate", url("TransInRevert")));
        DtmGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .submit(DtmRequest.newBuilder()
                        .setGid(gid)
                        .setTransType("saga")
                        .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true))
                        .setSteps(JSON.writeValueAsString(steps))
                        .addBinPayloads(ByteString.copyFromUtf8("{\"amount\":30}"))
                        .addBinPayloads(ByteString.copyFromUtf8("{\"amount\":30}"))
                        .build());
    }

    @Test
    void sagaStepsNamedInEtcdReachTheRegisteredInstanceAndFollowItToAnotherPort() throws Exception {
        String firstAddress;
        try (var first = new GrpcBusinessStub()) {
            firstAddress = first.address();
            try (var registration = register(first)) {
                submitTransfer("etcd-saga-1");
                assertThat(dtm.status("etcd-saga-1")).isEqualTo("succeed");
                assertThat(first.trail("etcd-saga-1")).containsExactly("TransOut action", "TransIn action");
                assertThat(first.calls("etcd-saga-1").get(0).method()).isEqualTo("busi.Busi/TransOut");
            }
        } // the instance is gone from etcd and stopped

        try (var second = new GrpcBusinessStub();
                var registration = register(second)) { // back on another port
            assertThat(second.address()).isNotEqualTo(firstAddress);
            try {
                submitTransfer("etcd-saga-2");
            } catch (io.grpc.StatusRuntimeException e) {
                // a step may have been tried before the new instance was seen: the saga goes on later
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dtm.cron();
                return dtm.status("etcd-saga-2").equals("succeed");
            });
            assertThat(second.trail("etcd-saga-2")).containsExactly("TransOut action", "TransIn action");
        }
    }

    @Test
    void callsAreSpreadOverEveryRegisteredInstance() throws Exception {
        try (var a = new GrpcBusinessStub();
                var b = new GrpcBusinessStub();
                var ra = register(a);
                var rb = register(b)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String gid = "etcd-rr-" + System.nanoTime();
                try {
                    submitTransfer(gid);
                } catch (io.grpc.StatusRuntimeException e) {
                    return false;
                }
                return !a.calls(gid).isEmpty() && !b.calls(gid).isEmpty(); // TransOut on one, TransIn on the other
            });
        }
    }
}
