package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.config.ServerConfig.Admission;
import io.dtm4j.server.security.HostAllowlist;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * What a transaction must satisfy to be accepted (docs/security.md): URLs the server can and may
 * call, at most MaxSteps steps and MaxBranchPayload bytes per payload. A refusal is a 400 naming
 * the problem, and nothing is stored.
 */
class AdmissionTest {
    static final UnaryOperator<ServerConfig> LIMITS =
            c -> Configs.admission(c, new Admission(3, 16, HostAllowlist.parse("127.0.0.0/8, *.internal:8080")));
    static final TestServer dtm = new TestServer(LIMITS);
    static final TestServer open = new TestServer();
    static final BusinessStub busi = new BusinessStub();

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        open.close();
        busi.close();
    }

    /** Asserts a 400 whose message contains {@code expected}, and that {@code gid} was not stored. */
    void refused(TestServer server, TestServer.Response r, String expected) {
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains(expected);
        assertThat(server.get("/api/dtmsvr/query?gid=" + gid).body()).contains("\"transaction\":null");
    }

    @Test
    void aUrlTheProtocolCannotCallIsRefusedEvenWithoutAllowlist() {
        refused(
                open,
                open.post(
                        "/api/dtmsvr/submit",
                        Trans.msg(gid).step("file:///etc/passwd", "{}").body()),
                "branch 01 action URL 'file:///etc/passwd' cannot be called over HTTP");
        refused(
                open,
                open.post(
                        "/api/dtmsvr/prepare",
                        Trans.msg(gid).step("http:/no-host", "{}").body()),
                "http:// or https:// URL with a host is required");
        refused(
                open,
                open.post(
                        "/api/dtmsvr/submit",
                        Trans.saga(gid)
                                .step("localhost:1/no-method", "", "{}")
                                .set("protocol", "grpc")
                                .body()),
                "is not of the form host:port/package.Service/Method");
        refused(
                open,
                open.post(
                        "/api/dtmsvr/prepare",
                        Trans.msg(gid)
                                .step(busi.url("TransIn"), "{}")
                                .set("query_prepared", "ftp://busi/check")
                                .body()),
                "query_prepared URL 'ftp://busi/check'");
    }

    @Test
    void urlsOnAllowedHostsPassAndOthersAreRefused() {
        assertThat(dtm.post(
                                "/api/dtmsvr/prepare",
                                Trans.msg(gid)
                                        .step(busi.url("TransIn"), "{}")
                                        .step("http://ledger.internal:8080/book", "{}")
                                        .body())
                        .status())
                .isEqualTo(200);
        gid = gid + "-grpc";
        assertThat(dtm.post(
                                "/api/dtmsvr/prepare",
                                Trans.msg(gid)
                                        .step("127.0.0.1:9/busi.Busi/TransIn", "{}")
                                        .step(busi.url("TransIn"), "{}") // an HTTP URL goes over HTTP
                                        .set("protocol", "grpc")
                                        .body())
                        .status())
                .isEqualTo(200);

        gid = gid + "-metadata";
        refused(
                dtm,
                dtm.post(
                        "/api/dtmsvr/submit",
                        Trans.saga(gid)
                                .step(busi.url("TransOut"), "http://169.254.169.254/latest/meta-data", "{}")
                                .body()),
                "branch 01 compensate URL 'http://169.254.169.254/latest/meta-data': host 169.254.169.254:80 is"
                        + " not in BranchUrlAllowlist");
        refused(
                dtm,
                dtm.post(
                        "/api/dtmsvr/prepare",
                        Trans.msg(gid).step("http://ledger.internal/book", "{}").body()),
                "host ledger.internal:80 is not in BranchUrlAllowlist");
        refused(
                dtm,
                dtm.post(
                        "/api/dtmsvr/submit",
                        Trans.saga(gid)
                                .step("dns:///10.0.0.1:9/busi.Busi/TransOut", "", "{}")
                                .set("protocol", "grpc")
                                .body()),
                "host 10.0.0.1:9 is not in BranchUrlAllowlist");
    }

    @Test
    void registeredBranchesAndSubscribersAreCheckedToo() {
        assertThat(dtm.post("/api/dtmsvr/prepare", Map.of("gid", gid, "trans_type", "tcc"))
                        .status())
                .isEqualTo(200);
        var r = dtm.post(
                "/api/dtmsvr/registerBranch",
                Map.of(
                        "gid", gid,
                        "trans_type", "tcc",
                        "branch_id", "01",
                        "confirm", busi.url("TransOutConfirm"),
                        "cancel", "http://10.9.9.9:8080/cancel",
                        "data", "{}"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("branch 01 cancel URL 'http://10.9.9.9:8080/cancel'");
        assertThat(dtm.branchStatuses(gid)).isEmpty();

        var sub = dtm.get("/api/dtmsvr/subscribe?topic=t&url=http://169.254.169.254/x&remark=");
        assertThat(sub.status()).isEqualTo(400);
        assertThat(sub.body()).contains("subscriber URL 'http://169.254.169.254/x'");
        assertThat(dtm.get("/api/dtmsvr/subscribe?topic=t&url=" + busi.url("TransIn") + "&remark=")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void stepsAndPayloadsBeyondTheLimitsAreRefused() {
        Trans four = Trans.msg(gid);
        for (int i = 0; i < 4; i++) {
            four.step(busi.url("TransIn"), "{}");
        }
        refused(
                dtm,
                dtm.post("/api/dtmsvr/submit", four.body()),
                "the transaction has 4 steps, at most 3 are allowed (MaxSteps)");
        refused(
                dtm,
                dtm.post(
                        "/api/dtmsvr/submit",
                        Trans.msg(gid)
                                .step(busi.url("TransIn"), "{\"amount\":123456789}")
                                .body()),
                "payloads[0] is 20 bytes, at most 16 are allowed (MaxBranchPayload)");
    }
}
