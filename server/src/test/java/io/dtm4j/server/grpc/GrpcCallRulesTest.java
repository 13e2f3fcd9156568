package io.dtm4j.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.protocol.DtmResult;
import io.dtm4j.server.invoke.ProtocolInvoker;
import io.dtm4j.server.invoke.grpc.GrpcOutcomes;
import io.dtm4j.server.invoke.grpc.GrpcTarget;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * The pure rules of gRPC branch calls (docs/protocol.md §6.1, §6.4, §1.1): transport choice, URL
 * split, outcomes.
 */
class GrpcCallRulesTest {

    @Test
    void onlyNonHttpUrlsOfNonHttpTransactionsGoOverGrpc() {
        assertThat(ProtocolInvoker.transport("grpc", "localhost:58081/busi.Busi/TransOut"))
                .isEqualTo(ProtocolInvoker.GRPC);
        assertThat(ProtocolInvoker.transport("json-rpc", "localhost:58081/busi.Busi/TransOut"))
                .isEqualTo(ProtocolInvoker.GRPC);
        assertThat(ProtocolInvoker.transport("grpc", "http://busi:8081/api/TransOut"))
                .isNotEqualTo(ProtocolInvoker.GRPC);
        assertThat(ProtocolInvoker.transport("grpc", "https://busi/api/TransOut"))
                .isNotEqualTo(ProtocolInvoker.GRPC);
        assertThat(ProtocolInvoker.transport("http", "localhost:58081/busi.Busi/TransOut"))
                .isNotEqualTo(ProtocolInvoker.GRPC);
        assertThat(ProtocolInvoker.transport("", "localhost:58081/busi.Busi/TransOut"))
                .isNotEqualTo(ProtocolInvoker.GRPC);
    }

    @Test
    void aUrlSplitsAtItsFirstSlashIntoTargetAndMethod() {
        assertThat(GrpcTarget.parse("localhost:58081/busi.Busi/TransOut"))
                .isEqualTo(new GrpcTarget("localhost:58081", "busi.Busi/TransOut"));
        assertThat(GrpcTarget.parse("busi:1/workflow.Workflow/Execute").fullMethodName())
                .isEqualTo("workflow.Workflow/Execute");
    }

    @Test
    void urlsWithASchemeOrWithoutAMethodAreRefused() {
        assertThatThrownBy(() -> GrpcTarget.parse("etcd://localhost:2379/busi/busi.Busi/TransOut"))
                .hasMessageContaining("has a scheme");
        assertThatThrownBy(() -> GrpcTarget.parse("localhost:58081")).hasMessageContaining("is not of the form");
        assertThatThrownBy(() -> GrpcTarget.parse("localhost:58081/busi.Busi"))
                .hasMessageContaining("is not of the form");
        assertThatThrownBy(() -> GrpcTarget.parse("localhost:58081/busi.Busi/"))
                .hasMessageContaining("is not of the form");
        assertThatThrownBy(() -> GrpcTarget.parse("/busi.Busi/TransOut")).hasMessageContaining("is not of the form");
    }

    @Test
    void statusesAreClassifiedAsDtmDoes() {
        assertThat(GrpcOutcomes.classify(Status.OK).result()).isEqualTo(DtmResult.SUCCESS);
        assertThat(GrpcOutcomes.classify(Status.ABORTED.withDescription("no money")))
                .satisfies(o -> {
                    assertThat(o.result()).isEqualTo(DtmResult.FAILURE);
                    assertThat(o.text()).isEqualTo("rpc error: code = Aborted desc = no money");
                });
        assertThat(GrpcOutcomes.classify(Status.ABORTED.withDescription("ONGOING"))
                        .result())
                .isEqualTo(DtmResult.ONGOING);
        assertThat(GrpcOutcomes.classify(Status.FAILED_PRECONDITION).result()).isEqualTo(DtmResult.ONGOING);
        assertThat(GrpcOutcomes.classify(Status.UNAVAILABLE.withDescription("down")))
                .satisfies(o -> {
                    assertThat(o.isError()).isTrue();
                    assertThat(o.text()).isEqualTo("rpc error: code = Unavailable desc = down");
                });
        assertThat(GrpcOutcomes.classify(Status.DEADLINE_EXCEEDED).text())
                .isEqualTo("rpc error: code = DeadlineExceeded desc = ");
        assertThat(GrpcOutcomes.classify(Status.CANCELLED).text()).startsWith("rpc error: code = Canceled");
        assertThat(GrpcOutcomes.classify(Status.UNKNOWN).isError()).isTrue();
    }
}
