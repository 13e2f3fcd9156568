package io.dtm4j.server.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.protocol.DtmResult;
import io.dtm4j.server.Dtm4jServer;
import org.junit.jupiter.api.Test;

class JsonRpcOutcomesTest {
    static final ObjectMapper json = Dtm4jServer.jsonMapper();

    static Outcome classify(int status, String body) {
        return JsonRpcOutcomes.classify(status, body, json);
    }

    @Test
    void anAnswerWithoutErrorIsSuccess() {
        assertThat(classify(200, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"result\":{}}")
                        .isSuccess())
                .isTrue();
        assertThat(classify(200, "{\"jsonrpc\":\"2.0\",\"id\":\"1\",\"error\":null,\"result\":null}")
                        .isSuccess())
                .isTrue();
    }

    @Test
    void dtmErrorCodesAreFailureAndOngoing() {
        assertThat(classify(200, "{\"error\":{\"code\":-32901,\"message\":\"no balance\"}}")
                        .result())
                .isEqualTo(DtmResult.FAILURE);
        assertThat(classify(200, "{\"error\":{\"code\":-32902,\"message\":\"later\"}}")
                        .result())
                .isEqualTo(DtmResult.ONGOING);
    }

    @Test
    void anyOtherErrorIsTransient() {
        Outcome other = classify(200, "{\"error\":{\"code\":-23977}}");
        assertThat(other.isError()).isTrue();
        assertThat(other.text()).isEqualTo("JSON-RPC error: {\"error\":{\"code\":-23977}}");
        assertThat(classify(200, "{\"error\":{\"code\":\"-32901\"}}").isError()).isTrue();
        assertThat(classify(200, "{\"error\":\"broken\"}").isError()).isTrue();
    }

    @Test
    void theHttpRulesComeFirst() {
        assertThat(classify(409, "{\"result\":{}}").result()).isEqualTo(DtmResult.FAILURE);
        assertThat(classify(425, "").result()).isEqualTo(DtmResult.ONGOING);
        assertThat(classify(200, "{\"error\":{\"code\":-1,\"message\":\"FAILURE\"}}")
                        .result())
                .isEqualTo(DtmResult.FAILURE);
        assertThat(classify(502, "bad gateway").isError()).isTrue();
    }

    @Test
    void anAnswerThatIsNotAJsonObjectIsTransient() {
        assertThat(classify(200, "").text()).isEqualTo("not a JSON-RPC response: ");
        assertThat(classify(200, "ok").isError()).isTrue();
        assertThat(classify(200, "[1]").isError()).isTrue();
    }

    @Test
    void theMethodIsTheUrlsMethodParameter() {
        assertThat(JsonRpcInvoker.method("http://b/api/json-rpc?method=TransIn"))
                .isEqualTo("TransIn");
        assertThat(JsonRpcInvoker.method("http://b/rpc?x=1&method=busi.Trans%20In&y=2"))
                .isEqualTo("busi.Trans In");
        assertThat(JsonRpcInvoker.method("http://b/rpc?methods=1")).isEmpty();
        assertThat(JsonRpcInvoker.method("http://b/method")).isEmpty();
    }
}
