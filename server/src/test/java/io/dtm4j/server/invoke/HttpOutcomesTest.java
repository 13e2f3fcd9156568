package io.dtm4j.server.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.protocol.DtmResult;
import org.junit.jupiter.api.Test;

class HttpOutcomesTest {

    @Test
    void anyOkAnswerWithoutKeywordsIsSuccessEvenWhenEmpty() {
        assertThat(HttpOutcomes.classify(200, "").result()).isEqualTo(DtmResult.SUCCESS);
        assertThat(HttpOutcomes.classify(200, "null").result()).isEqualTo(DtmResult.SUCCESS);
        assertThat(HttpOutcomes.classify(200, "{\"dtm_result\":\"SUCCESS\"}").result())
                .isEqualTo(DtmResult.SUCCESS);
    }

    @Test
    void statusCodesSignalFailureAndOngoing() {
        assertThat(HttpOutcomes.classify(409, "").result()).isEqualTo(DtmResult.FAILURE);
        assertThat(HttpOutcomes.classify(425, "").result()).isEqualTo(DtmResult.ONGOING);
    }

    @Test
    void bodyKeywordsWinOverTheStatusCodeAsLegacyServicesExpect() {
        assertThat(HttpOutcomes.classify(200, "{\"dtm_result\":\"FAILURE\"}").result())
                .isEqualTo(DtmResult.FAILURE);
        assertThat(HttpOutcomes.classify(500, "FAILURE: no balance").result()).isEqualTo(DtmResult.FAILURE);
        assertThat(HttpOutcomes.classify(200, "{\"dtm_result\":\"ONGOING\"}").result())
                .isEqualTo(DtmResult.ONGOING);
    }

    @Test
    void ongoingIsCheckedBeforeFailure() {
        assertThat(HttpOutcomes.classify(409, "ONGOING").result()).isEqualTo(DtmResult.ONGOING);
        assertThat(HttpOutcomes.classify(200, "FAILURE ONGOING").result()).isEqualTo(DtmResult.ONGOING);
    }

    @Test
    void otherStatusesAreTransientErrorsCarryingTheBody() {
        Outcome o = HttpOutcomes.classify(503, "busy");
        assertThat(o.isError()).isTrue();
        assertThat(o.text()).isEqualTo("HTTP 503: busy");
    }
}
