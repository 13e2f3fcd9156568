package io.dtm4j.client;

import static io.dtm4j.client.GrpcAccounts.add;
import static io.dtm4j.client.GrpcAccounts.amount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.discovery.EtcdRegistration;
import io.dtm4j.discovery.EtcdTarget;
import io.dtm4j.discovery.testing.EtcdProcess;
import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link DtmClient#grpc} with go-zero's service discovery (docs/protocol.md §14): the server runs
 * {@code dtm-driver-gozero} and registers itself in a private etcd under {@code dtmservice}, the
 * business service registers under {@code trans}, and the application dials {@code
 * etcd://…/dtmservice} and calls its TCC tries and its message check-back as {@code
 * etcd://…/trans/busi.Busi/…} itself. Skipped, with the reason, when etcd is not installed.
 */
class SdkGrpcDiscoveryTest {
    private static EtcdProcess etcd;
    private static TestServer server;
    private static int grpcPort;
    private static GrpcBusi busi;
    private static EtcdRegistration busiRegistration;
    private static GrpcAccounts accounts;
    private static DtmClient dtm;

    @BeforeAll
    static void start() throws Exception {
        etcd = EtcdProcess.start();
        grpcPort = EtcdProcess.freePort(); // known before start: it is the published EndPoint
        var goZero = new MicroServiceConfig("dtm-driver-gozero", registry("dtmservice"), "127.0.0.1:" + grpcPort);
        server = new TestServer(c -> Configs.grpcPort(c, grpcPort).withMicroService(goZero));
        busi = new GrpcBusi();
        busiRegistration = register("trans", busi);
        accounts = new GrpcAccounts();
        busi.on("MsgIn", request -> {
            BranchIdentity branch = GrpcBranch.identity();
            BranchBarrier.of(branch).callWithDb(accounts.db, tx -> add(tx, "in-" + branch.gid(), 30));
            return new byte[0];
        });
        busi.on("QueryPrepared", request -> {
            BranchBarrier.queryPrepared(accounts.db, GrpcBranch.identity().gid());
            return new byte[0];
        });
        dtm = DtmClient.grpc(registry("dtmservice"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {dtm, accounts, busiRegistration, busi, server, etcd}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** {@code etcd://127.0.0.1:<port>/<key>}: the go-zero target of a service in the test's etcd. */
    private static String registry(String key) {
        return "etcd://" + etcd.address() + "/" + key;
    }

    /** The branch URL of {@code method} of the service registered under {@code key}. */
    private static String url(String key, String method) {
        return registry(key) + "/busi.Busi/" + method;
    }

    private static EtcdRegistration register(String key, GrpcBusi service) {
        return EtcdRegistration.start(EtcdTarget.parse(registry(key)), service.address());
    }

    @Test
    void aSagaSubmittedThroughTheServersEtcdNameSucceeds() {
        String gid = dtm.newGid();

        dtm.saga(gid)
                .add(url("trans", "SagaOut"), url("trans", "SagaOutRevert"), amount(30))
                .add(url("trans", "SagaIn"), url("trans", "SagaInRevert"), amount(30))
                .waitResult(true)
                .submit();

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(busi.trail(gid)).containsExactly("SagaOut action", "SagaIn action");
    }

    @Test
    void aTccWhoseTriesAreEtcdUrlsIsTriedBySdkAndConfirmedByTheServer() {
        String gid = dtm.newGid();

        dtm.tccGlobalTransaction(gid, t -> t.waitResult(true), tcc -> {
            tcc.callBranch(amount(30), url("trans", "TccOutTry"), url("trans", "TccOutConfirm"), "");
            tcc.callBranch(amount(30), url("trans", "TccInTry"), url("trans", "TccInConfirm"), "");
        });

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(busi.trail(gid))
                .containsExactly("TccOutTry try", "TccInTry try", "TccInConfirm confirm", "TccOutConfirm confirm");
        GrpcBusi.Call firstTry = busi.calls(gid).get(0);
        assertThat(firstTry.method()).isEqualTo("TccOutTry");
        // the resource manager is told the server's address as the application gave it
        assertThat(firstTry.metadata()).containsEntry("dtm-dtm", registry("dtmservice"));
    }

    @Test
    void aMsgWhoseCheckBackIsAnEtcdUrlIsSubmittedWhenTheSdkFindsTheLocalCommit() throws Exception {
        String gid = dtm.newGid();
        accounts.open(gid);
        var lostAnswer = new DtmException("the database committed but the answer was lost");

        // the outcome of the local commit looks unknown: the SDK asks the check-back, through etcd
        assertThatThrownBy(() -> dtm.msg(gid)
                        .add(url("trans", "MsgIn"), amount(30))
                        .waitResult(true)
                        .doAndSubmit(url("trans", "QueryPrepared"), barrier -> {
                            barrier.callWithDb(accounts.db, tx -> add(tx, "out-" + gid, -30));
                            throw lostAnswer;
                        }))
                .isSameAs(lostAnswer);

        assertThat(server.status(gid)).isEqualTo("succeed");
        assertThat(accounts.balances(gid)).containsExactly(70L, 30L);
        assertThat(busi.trail(gid)).containsExactly("QueryPrepared msg", "MsgIn action");
    }

    @Test
    void triesFollowTheServiceAcrossInstancesAsEtcdChanges() {
        try (var first = new GrpcBusi();
                var second = new GrpcBusi()) {
            assertThat(tryOnce("moving")).isNull(); // nothing registered yet: the try cannot be called

            try (var r1 = register("moving", first)) {
                String gid = await().atMost(Duration.ofSeconds(10)).until(() -> tryOnce("moving"), g -> g != null);
                assertThat(first.trail(gid)).contains("Try try");
            }
            try (var r2 = register("moving", second)) { // the service is back on another port
                String gid = await().atMost(Duration.ofSeconds(10))
                        .until(
                                () -> tryOnce("moving"),
                                g -> g != null && !second.calls(g).isEmpty());
                assertThat(second.trail(gid)).contains("Try try");
            }
        }
    }

    @Test
    void triesAreSpreadOverEveryRegisteredInstance() {
        try (var a = new GrpcBusi();
                var b = new GrpcBusi();
                var ra = register("spread", a);
                var rb = register("spread", b)) {
            List<String> gids = new java.util.concurrent.CopyOnWriteArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                gids.add(tryOnce("spread"));
                return gids.stream().anyMatch(g -> g != null && a.trail(g).contains("Try try"))
                        && gids.stream().anyMatch(g -> g != null && b.trail(g).contains("Try try"));
            });
        }
    }

    /** Runs a one-branch TCC whose try is {@code Try} of the service under {@code key}; its gid, null on failure. */
    private static String tryOnce(String key) {
        String gid = dtm.newGid();
        try {
            dtm.tccGlobalTransaction(
                    gid, t -> t.waitResult(true), tcc -> tcc.callBranch(amount(1), url(key, "Try"), "", ""));
            return gid;
        } catch (DtmException e) {
            return null;
        }
    }

    @Test
    void withoutTheServersRegistrationACallFailsClearlyWithinItsTimeout() {
        try (DtmClient nowhere = DtmClient.grpc(registry("nodtm"))) {
            DtmClient impatient = nowhere.withTimeout(Duration.ofSeconds(3));
            long start = System.nanoTime();
            assertThatThrownBy(impatient::newGid)
                    .isExactlyInstanceOf(DtmException.class)
                    .hasMessageContaining("UNAVAILABLE")
                    .hasMessageContaining("no instance of " + registry("nodtm") + " is registered");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
        String noEtcd = "etcd://127.0.0.1:" + EtcdProcess.freePort() + "/dtmservice";
        try (DtmClient unreachable = DtmClient.grpc(noEtcd).withTimeout(Duration.ofSeconds(3))) {
            assertThatThrownBy(unreachable::newGid)
                    .isExactlyInstanceOf(DtmException.class)
                    .hasMessageContaining("cannot reach etcd at 127.0.0.1:");
        }
    }

    @Test
    void dnsAndDirectTargetsReachTheServerWithoutARegistry() {
        for (String target : List.of("dns:///127.0.0.1:" + grpcPort, "direct:///127.0.0.1:" + grpcPort)) {
            try (DtmClient client = DtmClient.grpc(target)) {
                String gid = client.newGid();
                client.saga(gid)
                        .add(url("trans", "SagaOut"), "", amount(30))
                        .waitResult(true)
                        .submit();
                assertThat(server.status(gid)).as(target).isEqualTo("succeed");
            }
        }
    }

    @Test
    void malformedRegistryTargetsAndUrlsAreRefusedAtOnce() {
        assertThatThrownBy(() -> DtmClient.grpc("etcd://" + etcd.address()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names no service key");
        assertThatThrownBy(() -> DtmClient.grpc("direct:///"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("names no endpoint");
        String gid = dtm.newGid();
        assertThatThrownBy(() -> dtm.tccGlobalTransaction(
                        gid, tcc -> tcc.callBranch(amount(1), registry("trans") + "/TccOutTry", "", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scheme://host:port/service/package.Service/Method");
        // the SDK's abort does not wait for the rollback round
        await().until(() -> server.status(gid).equals("failed"));
    }

    @Test
    void anApplicationWithoutTheServerInItsJvmResolvesEtcdItself() throws IOException, InterruptedException {
        // here the server installed the etcd resolver too; a JVM of its own shows the SDK needs no server
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Files.createTempFile("dtm4j-new-gid", ".log");
        Process app = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        NewGidMain.class.getName(),
                        registry("dtmservice"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean ended = app.waitFor(60, TimeUnit.SECONDS); // a JVM start on a loaded machine is slow
        if (!ended) {
            app.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        Files.delete(log);
        assertThat(ended).as(output).isTrue();
        assertThat(app.exitValue()).as(output).isZero();
        assertThat(output).containsPattern("gid \\S+");
    }
}
