package io.dtm4j.server.invoke.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.config.ServerConfig.Broker;
import io.dtm4j.server.invoke.BranchCall;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BrokerUrlTest {
    static final Map<String, Broker> BROKERS = Map.of(
            "rabbit", new Broker("amqp", List.of("h:5672"), "u", "p", "/"),
            "events", new Broker("nats", List.of("h:4222"), "", "", "/"),
            "log", new Broker("kafka", List.of("h:9092"), "", "", "/"));

    @Test
    void eachKindHasItsDestinationAndKey() {
        assertThat(BrokerUrl.parse("amqp://rabbit?exchange=transfers&routing_key=in", BROKERS))
                .isEqualTo(new BrokerUrl("amqp", "rabbit", "transfers", "in"));
        assertThat(BrokerUrl.parse("amqp://rabbit?routing_key=orders%2Fin", BROKERS))
                .isEqualTo(new BrokerUrl("amqp", "rabbit", "", "orders/in"));
        assertThat(BrokerUrl.parse("nats://events/transfers.in", BROKERS))
                .isEqualTo(new BrokerUrl("nats", "events", "transfers.in", ""));
        assertThat(BrokerUrl.parse("kafka://log/transfers?key=account-2", BROKERS))
                .isEqualTo(new BrokerUrl("kafka", "log", "transfers", "account-2"));
        assertThat(BrokerUrl.parse("kafka://log/transfers", BROKERS).key()).isEmpty();
    }

    @Test
    void onlyBrokerSchemesAreBrokerUrls() {
        assertThat(BrokerUrl.isBrokerUrl("amqp://x")).isTrue();
        assertThat(BrokerUrl.isBrokerUrl("nats://x/s")).isTrue();
        assertThat(BrokerUrl.isBrokerUrl("kafka://x/t")).isTrue();
        assertThat(BrokerUrl.isBrokerUrl("http://amqp/x")).isFalse();
        assertThat(BrokerUrl.isBrokerUrl("amqps://x")).isFalse();
        assertThat(BrokerUrl.isBrokerUrl("")).isFalse();
    }

    @Test
    void badUrlsAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> BrokerUrl.parse("amqp://rabbit?exchange=a&exchange=b", BROKERS))
                .hasMessage("parameter 'exchange' is given twice");
        assertThatThrownBy(() -> BrokerUrl.parse("nats://events/a b", BROKERS))
                .hasMessageContaining("no wildcards, not 'a b'");
        assertThatThrownBy(() -> BrokerUrl.parse("nats://events/a?x=1", BROKERS))
                .hasMessage("unknown parameter 'x' (none are taken)");
        assertThatThrownBy(() -> BrokerUrl.parse("kafka://log/", BROKERS)).hasMessageContaining("kafka://log/TOPIC");
        assertThatThrownBy(() -> BrokerUrl.parse("kafka://nobody/t", BROKERS))
                .hasMessage("no broker named 'nobody' in the server's Brokers settings (kafka brokers: log)");
        assertThatThrownBy(() -> BrokerUrl.parse("nats://u:p@events/s", BROKERS))
                .hasMessageStartingWith("credentials do not belong in a branch URL");
    }

    @Test
    void aMessageNamesItsBranchAndKeepsTheBranchHeadersButNoForgedDtmOnes() {
        var call = new BranchCall(
                "nats://events/s",
                "http",
                "g1",
                "saga",
                "02",
                "compensate",
                new byte[] {1},
                true,
                Map.of("traceparent", "00-abc", "DTM-GID", "forged"),
                Duration.ofSeconds(1),
                () -> true);

        BrokerMessage m = BrokerMessage.of(call);

        assertThat(m.dedupKey()).isEqualTo("g1/02/compensate");
        assertThat(m.headers())
                .isEqualTo(Map.of(
                        "traceparent", "00-abc",
                        "dtm-gid", "g1",
                        "dtm-branch-id", "02",
                        "dtm-trans-type", "saga",
                        "dtm-op", "compensate",
                        "dtm-msg-id", "g1/02/compensate"));
    }
}
