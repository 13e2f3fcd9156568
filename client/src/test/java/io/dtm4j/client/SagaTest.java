package io.dtm4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SDK's saga against the real server: docs/protocol.md §8.2, §19.1. */
class SagaTest {
    private static TestServer server;
    private static BusinessStub busi;
    private static DtmClient dtm;

    @BeforeAll
    static void start() {
        server = new TestServer();
        busi = new BusinessStub();
        dtm = DtmClient.of(server.dtm());
    }

    @AfterAll
    static void stop() {
        busi.close();
        server.close();
    }

    private Saga transfer(String gid) {
        return dtm.saga(gid)
                .add(busi.url("TransOut"), busi.url("TransOutRevert"), Map.of("amount", 30))
                .add(busi.url("TransIn"), busi.url("TransInRevert"), "{\"amount\":30}");
    }

    @Test
    void sagaWaitingForItsResultSucceeds() {
        String gid = dtm.newGid();

        transfer(gid).waitResult(true).branchHeader("test_header", "yes").submit();

        assertThat(dtm.status(gid)).isEqualTo("succeed");
        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(server.parse(busi.calls(gid).get(0).body())).isEqualTo(server.parse("{\"amount\":30}"));
        assertThat(busi.calls(gid).get(1).header("test_header")).isEqualTo("yes");
    }

    @Test
    void failedActionCompensatesAndWaitingSubmitReportsFailure() {
        String gid = "client-saga-rollback-" + System.nanoTime();
        busi.scriptFor(gid, "TransIn", Reply.failure("Insufficient balance"));

        assertThatThrownBy(() -> transfer(gid).waitResult(true).submit()).isInstanceOf(DtmFailureException.class);

        assertThat(dtm.status(gid)).isEqualTo("failed");
        assertThat(busi.trail(gid))
                .containsExactly(
                        "TransOut action", "TransIn action", "TransInRevert compensate", "TransOutRevert compensate");
    }

    @Test
    void concurrentSagaRespectsBranchOrders() {
        String gid = "client-saga-orders-" + System.nanoTime();

        transfer(gid).enableConcurrent().addBranchOrder(1, 0).waitResult(true).submit();

        assertThat(busi.trail(gid)).containsExactly("TransOut action", "TransIn action");
        assertThat(server.transaction(gid).path("custom_data").asText())
                .contains("\"orders\":{\"1\":[0]}")
                .contains("\"concurrent\":true");
    }

    @Test
    void optionsReachTheServer() {
        String gid = "client-saga-options-" + System.nanoTime();

        transfer(gid)
                .timeoutToFail(60)
                .retryInterval(5)
                .requestTimeout(7)
                .retryLimit(2)
                .submit();

        String options = server.transaction(gid).path("options").asText();
        assertThat(server.parse(options).path("timeout_to_fail").asLong()).isEqualTo(60);
        assertThat(server.parse(options).path("retry_interval").asLong()).isEqualTo(5);
        assertThat(server.parse(options).path("request_timeout").asLong()).isEqualTo(7);
        assertThat(server.parse(options).path("retry_limit").asLong()).isEqualTo(2);
    }

    @Test
    void aServerThatIsDownIsAnErrorNotAFailure() {
        DtmClient nowhere = DtmClient.of("http://127.0.0.1:1/api/dtmsvr");

        assertThatThrownBy(nowhere::newGid)
                .isExactlyInstanceOf(DtmException.class)
                .hasMessageContaining("/newGid failed");
    }
}
