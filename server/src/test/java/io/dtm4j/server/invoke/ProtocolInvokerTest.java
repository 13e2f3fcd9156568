package io.dtm4j.server.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class ProtocolInvokerTest {

    @Test
    void httpTransactionsUseHttpWhateverTheUrlLooksLike() {
        assertThat(ProtocolInvoker.transport("http", "http://busi/api/TransOut"))
                .isEqualTo("http");
        assertThat(ProtocolInvoker.transport("http", "busi-service/api/TransOut"))
                .isEqualTo("http");
        assertThat(ProtocolInvoker.transport("", "busi-service/api/TransOut")).isEqualTo("http");
        assertThat(ProtocolInvoker.transport("http", "http://busi/api/json-rpc?method=TransIn"))
                .isEqualTo("http");
    }

    @Test
    void jsonRpcTransactionsUseJsonRpcOnlyForHttpUrlsNamingAMethod() {
        assertThat(ProtocolInvoker.transport("json-rpc", "http://busi/api/json-rpc?method=TransIn"))
                .isEqualTo("json-rpc");
        assertThat(ProtocolInvoker.transport("json-rpc", "https://busi/api/json-rpc?method=TransIn"))
                .isEqualTo("json-rpc");
        assertThat(ProtocolInvoker.transport("json-rpc", "http://busi/api/busi/TransOut"))
                .isEqualTo("http");
        assertThat(ProtocolInvoker.transport("json-rpc", "busi:8081/busi.Busi/TransIn?method=x"))
                .isEqualTo("grpc");
    }

    @Test
    void grpcTransactionsMayMixInHttpSteps() {
        assertThat(ProtocolInvoker.transport("grpc", "localhost:58081/busi.Busi/TransOut"))
                .isEqualTo("grpc");
        assertThat(ProtocolInvoker.transport("grpc", "http://busi/api/busi/TransOut"))
                .isEqualTo("http");
        assertThat(ProtocolInvoker.transport("grpc", "http://busi/api/json-rpc?method=TransIn"))
                .isEqualTo("http");
    }

    @Test
    void brokerUrlsGoToTheBrokerInvokerWhateverTheProtocol() {
        for (String protocol : List.of("", "http", "grpc", "json-rpc")) {
            assertThat(ProtocolInvoker.transport(protocol, "amqp://rabbit?exchange=x"))
                    .isEqualTo("broker");
            assertThat(ProtocolInvoker.transport(protocol, "nats://events/transfers.in"))
                    .isEqualTo("broker");
            assertThat(ProtocolInvoker.transport(protocol, "kafka://log/transfers?key=k"))
                    .isEqualTo("broker");
        }
        assertThat(ProtocolInvoker.transport("http", "http://amqp/x")).isEqualTo("http");
        assertThat(ProtocolInvoker.transport("grpc", "amqphost:1/busi.Busi/TransOut"))
                .isEqualTo("grpc");
    }

    @Test
    void callsGoToTheInvokerOfTheirTransportAndAMissingTransportIsATransientError() {
        List<String> seen = new ArrayList<>();
        Invoker http = recording("http", seen);
        Invoker jsonRpc = recording("json-rpc", seen);
        try (var invoker = new ProtocolInvoker(Map.of("http", http, "json-rpc", jsonRpc))) {
            assertThat(invoker.call(call("http://busi/a", "http")).isSuccess()).isTrue();
            assertThat(invoker.call(call("http://busi/rpc?method=M", "json-rpc"))
                            .isSuccess())
                    .isTrue();
            assertThat(invoker.call(call("", "grpc")).isSuccess()).isTrue();
            Outcome grpc = invoker.call(call("busi:1/busi.Busi/TransOut", "grpc"));

            assertThat(grpc.isError()).isTrue();
            assertThat(grpc.text())
                    .isEqualTo("this server cannot call grpc services (url 'busi:1/busi.Busi/TransOut',"
                            + " protocol 'grpc')");
            assertThat(seen).containsExactly("http http://busi/a", "json-rpc http://busi/rpc?method=M");
        }
        assertThat(seen).contains("http closed", "json-rpc closed");
    }

    @Test
    void anInvokerRegisteredForTwoTransportsIsClosedOnce() {
        List<String> seen = new ArrayList<>();
        Invoker both = recording("both", seen);
        new ProtocolInvoker(Map.of("http", both, "json-rpc", both)).close();
        assertThat(seen).containsExactly("both closed");
    }

    static BranchCall call(String url, String protocol) {
        return call(url, protocol, Duration.ofSeconds(3), () -> true);
    }

    /** A saga action call of gid g1, branch 01, without a body. */
    static BranchCall call(String url, String protocol, Duration timeout, BooleanSupplier maySend) {
        return new BranchCall(
                url, protocol, "g1", "saga", "01", "action", new byte[0], false, Map.of(), timeout, maySend);
    }

    static Invoker recording(String name, List<String> seen) {
        return new Invoker() {
            @Override
            public Outcome call(BranchCall call) {
                seen.add(name + " " + call.url());
                return Outcome.success("");
            }

            @Override
            public void close() {
                seen.add(name + " closed");
            }
        };
    }
}
