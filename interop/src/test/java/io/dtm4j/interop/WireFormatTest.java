package io.dtm4j.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import pub.dtm.client.DtmClient;

/**
 * Records what dtmcli-java puts on the wire, with a stand-in for the server that answers SUCCESS to
 * everything: the server must accept exactly these bodies (docs/protocol.md §3.2, §3.6, §2.1).
 */
class WireFormatTest {
    private record Request(String method, String path, String body) {}

    private final List<Request> requests = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private HttpServer fake;
    private DtmClient dtm;

    @BeforeEach
    void start() throws IOException {
        fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        fake.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (requests) {
                requests.add(
                        new Request(ex.getRequestMethod(), ex.getRequestURI().toString(), body));
            }
            byte[] answer = (ex.getRequestURI().getPath().endsWith("/newGid")
                            ? "{\"gid\":\"from-newGid\",\"dtm_result\":\"SUCCESS\"}"
                            : "{\"dtm_result\":\"SUCCESS\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, answer.length);
            try (var out = ex.getResponseBody()) {
                out.write(answer);
            }
        });
        fake.start();
        dtm = new DtmClient("127.0.0.1:" + fake.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        fake.stop(0);
    }

    @Test
    void sagaSubmit() throws Exception {
        dtm.newSaga()
                .add("http://busi/TransOut", "http://busi/TransOutRevert", Map.of("amount", 30))
                .submit();

        assertThat(requests)
                .extracting(Request::method, Request::path)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("GET", "/api/dtmsvr/newGid"),
                        org.assertj.core.groups.Tuple.tuple("POST", "/api/dtmsvr/submit"));
        String body = requests.get(1).body();
        // Feign's JacksonEncoder indents and leaves out nulls. Jackson writes the @JsonTypeInfo id
        // *and* the subType property: the key appears twice in one object.
        assertThat(body).contains("\n  ");
        assertThat(body.split("\"subType\" : \"saga\"", -1)).hasSize(3);
        JsonNode submit = json.readTree(body);
        assertThat(submit.path("gid").asText()).isEqualTo("from-newGid");
        assertThat(submit.path("trans_type").asText()).isEqualTo("saga");
        assertThat(submit.path("payloads").get(0).asText()).isEqualTo("{\"amount\":30}");
        assertThat(submit.path("steps").get(0).path("action").asText()).isEqualTo("http://busi/TransOut");
        // options always sent, as zero/empty when unset; custom_data only for a concurrent saga
        assertThat(submit.path("wait_result").asBoolean()).isFalse();
        assertThat(submit.path("timeout_to_fail").asLong()).isZero();
        assertThat(submit.path("retry_interval").asLong()).isZero();
        assertThat(submit.path("passthrough_headers").isArray()).isTrue();
        assertThat(submit.path("branch_headers").isObject()).isTrue();
        assertThat(submit.has("custom_data")).isFalse();
    }

    @Test
    void tccPrepareRegisterSubmit() throws Exception {
        // the try URL is this fake too: it answers a non-empty 200, which is what callBranch needs
        String tryUrl = "http://127.0.0.1:" + fake.getAddress().getPort() + "/api/busi/TransOut";
        dtm.tccGlobalTransaction(
                "wire-tcc", tcc -> tcc.callBranch(Map.of("amount", 30), tryUrl, "http://c/confirm", "http://c/cancel"));

        assertThat(requests)
                .extracting(r -> r.path().replaceFirst("\\?.*", ""))
                .containsExactly(
                        "/api/dtmsvr/prepare",
                        "/api/dtmsvr/registerBranch",
                        "/api/busi/TransOut",
                        "/api/dtmsvr/submit");
        // query order is a HashMap's
        assertThat(requests.get(2).path().replaceFirst(".*\\?", "").split("&"))
                .containsExactlyInAnyOrder("gid=wire-tcc", "trans_type=tcc", "branch_id=01", "op=try");
        // the base class has no type name: Jackson uses the simple class name (the null property is left out)
        assertThat(json.readTree(requests.get(0).body()))
                .isEqualTo(
                        json.readTree("{\"subType\":\"OperatorParam\",\"gid\":\"wire-tcc\",\"trans_type\":\"tcc\"}"));
        // registerBranch: every value is a string (docs/protocol.md §3.6), subType twice again
        assertThat(requests.get(1).body().split("\"subType\" : \"tcc\"", -1)).hasSize(3);
        JsonNode register = json.readTree(requests.get(1).body());
        register.fields()
                .forEachRemaining(
                        f -> assertThat(f.getValue().isTextual()).as(f.getKey()).isTrue());
        assertThat(register.path("branch_id").asText()).isEqualTo("01");
        assertThat(register.path("status").asText()).isEqualTo("prepared");
        assertThat(register.path("data").asText()).isEqualTo("{\"amount\":30}");
        assertThat(register.path("confirm").asText()).isEqualTo("http://c/confirm");
        assertThat(register.path("cancel").asText()).isEqualTo("http://c/cancel");
        // the try is sent without the dtm query parameter: a nested TCC cannot be built from it
        assertThat(requests.get(2).path()).doesNotContain("dtm=");
        assertThat(requests.get(3).body()).isEqualTo(requests.get(0).body());
    }

    @Test
    void sagaOptionSettersCallThemselves() {
        // Saga's own setters shadow Lombok's and call themselves: the options cannot be set
        var saga = dtm.newSaga("wire-options");
        assertThatThrownBy(() -> saga.setTimeoutToFail(60)).isInstanceOf(StackOverflowError.class);
        assertThatThrownBy(() -> saga.setRetryInterval(10)).isInstanceOf(StackOverflowError.class);
        assertThatThrownBy(() -> saga.setBranchHeaders(Map.of("h", "v"))).isInstanceOf(StackOverflowError.class);
        assertThat(requests).isEmpty();
    }
}
