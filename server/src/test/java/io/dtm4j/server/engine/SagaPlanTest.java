package io.dtm4j.server.engine;

import static io.dtm4j.protocol.TransStatus.FAILED;
import static io.dtm4j.protocol.TransStatus.PREPARED;
import static io.dtm4j.protocol.TransStatus.SUCCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.Dtm4jServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SagaPlanTest {
    private final CustomData customData = new CustomData(Dtm4jServer.jsonMapper());

    @Test
    void sequentialStepsRunOneAfterAnother() {
        var plan = new SagaPlan(3, false, Map.of());
        assertThat(plan.actionRunnable(0, List.of(PREPARED, PREPARED, PREPARED)))
                .isTrue();
        assertThat(plan.actionRunnable(1, List.of(PREPARED, PREPARED, PREPARED)))
                .isFalse();
        assertThat(plan.actionRunnable(1, List.of(SUCCEED, PREPARED, PREPARED))).isTrue();
        assertThat(plan.actionRunnable(2, List.of(SUCCEED, FAILED, PREPARED))).isFalse();
    }

    @Test
    void sequentialCompensationsRunFromTheLastStepBackwards() {
        var plan = new SagaPlan(3, false, Map.of());
        assertThat(plan.compensationRunnable(2, new boolean[] {false, false, false}))
                .isTrue();
        assertThat(plan.compensationRunnable(1, new boolean[] {false, false, false}))
                .isFalse();
        assertThat(plan.compensationRunnable(1, new boolean[] {false, false, true}))
                .isTrue();
    }

    @Test
    void concurrentStepsWaitOnlyForTheirOrders() {
        var plan = customData.sagaPlan("{\"concurrent\":true,\"orders\":{\"2\":[0,1]}}", 3);
        assertThat(plan.concurrent()).isTrue();
        assertThat(plan.actionRunnable(0, List.of(PREPARED, PREPARED, PREPARED)))
                .isTrue();
        assertThat(plan.actionRunnable(1, List.of(PREPARED, PREPARED, PREPARED)))
                .isTrue();
        assertThat(plan.actionRunnable(2, List.of(SUCCEED, PREPARED, PREPARED))).isFalse();
        assertThat(plan.actionRunnable(2, List.of(SUCCEED, SUCCEED, PREPARED))).isTrue();
    }

    @Test
    void concurrentCompensationsWaitForTheStepsThatDependedOnThem() {
        var plan = customData.sagaPlan("{\"concurrent\":true,\"orders\":{\"2\":[0,1]}}", 3);
        assertThat(plan.compensationRunnable(2, new boolean[] {false, false, false}))
                .isTrue();
        assertThat(plan.compensationRunnable(0, new boolean[] {false, false, false}))
                .isFalse();
        assertThat(plan.compensationRunnable(0, new boolean[] {false, false, true}))
                .isTrue();
    }

    @Test
    void ordersNamingAMissingStepAreABadRequest() {
        assertThatThrownBy(() -> customData.sagaPlan("{\"concurrent\":true,\"orders\":{\"1\":[5]}}", 2))
                .isInstanceOf(DtmException.class)
                .hasMessage("custom_data orders refer to step '5', but the saga has steps 0..1")
                .extracting(e -> ((DtmException) e).kind())
                .isEqualTo(DtmException.Kind.BAD_REQUEST);
    }

    @Test
    void msgDelayIsReadFromCustomData() {
        assertThat(customData.msgDelay("{\"delay\":10}")).isEqualTo(10);
        assertThat(customData.msgDelay("")).isZero();
    }
}
