package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.JsonRpcClient;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The W3C trace context of the call that creates a transaction reaches every branch call, also in
 * rounds the scheduler runs later from the store (docs/observability.md#tracing).
 */
class TracePropagationTest {
    static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final String STATE = "vendor=abc,other=1";
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer();

    String gid;

    @BeforeEach
    void gidFromTestName(TestInfo info) {
        gid = info.getTestMethod().orElseThrow().getName();
    }

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    Trans saga() {
        return Trans.saga(gid).step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}");
    }

    TestServer.Response submit(Trans t, String traceparent) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(dtm.baseUrl() + "/api/dtmsvr/submit"))
                .header("Content-Type", "application/json")
                .header("traceparent", traceparent)
                .header("tracestate", STATE)
                .POST(HttpRequest.BodyPublishers.ofString(
                        dtm.json.valueToTree(t.body()).toString()));
        return dtm.send(r);
    }

    @Test
    void everyBranchCallCarriesTheCreatingCallsTraceContext() {
        busi.scriptFor(gid, "TransOut", Reply.ERROR); // the first attempt fails: the retry runs from the store
        assertThat(submit(saga(), PARENT).status()).isEqualTo(200);
        await().until(() -> dtm.nextCronInterval(gid) == 20);

        dtm.cron();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(busi.calls(gid)).hasSize(2).allSatisfy(call -> {
            assertThat(call.header("traceparent")).isEqualTo(PARENT);
            assertThat(call.header("tracestate")).isEqualTo(STATE);
        });
    }

    @Test
    void anInvalidTraceparentIsIgnored() {
        String allZeroTraceId = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
        assertThat(submit(saga().set("wait_result", true), allZeroTraceId).status())
                .isEqualTo(200);

        assertThat(busi.calls(gid)).singleElement().satisfies(call -> {
            assertThat(call.header("traceparent")).isNull();
            assertThat(call.header("tracestate")).isNull();
        });
    }

    @Test
    void branchHeadersNamingTraceparentWin() {
        String own = "00-11111111111111111111111111111111-2222222222222222-01";
        Trans t = saga().set("wait_result", true).set("branch_headers", Map.of("traceparent", own));
        assertThat(submit(t, PARENT).status()).isEqualTo(200);

        assertThat(busi.calls(gid))
                .singleElement()
                .satisfies(call -> assertThat(call.header("traceparent")).isEqualTo(own));
    }

    @Test
    void jsonRpcCallsPassTheirHttpTraceContextOn() {
        var rpc = new JsonRpcClient(dtm);
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(rpc.url()))
                .header("Content-Type", "application/json")
                .header("traceparent", PARENT)
                .POST(HttpRequest.BodyPublishers.ofString(dtm.json
                        .valueToTree(Map.of(
                                "jsonrpc", "2.0",
                                "id", "1",
                                "method", "submit",
                                "params", saga().set("wait_result", true).body()))
                        .toString()));
        assertThat(dtm.parse(dtm.send(r).body()).path("error").isNull()).isTrue();

        assertThat(busi.calls(gid))
                .singleElement()
                .satisfies(call -> assertThat(call.header("traceparent")).isEqualTo(PARENT));
    }
}
