package io.dtm4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The training run behind the ahead-of-time cache drives a real server with requests it accepts. */
class TrainingTest {

    @Test
    void everyTrainingRequestIsAnsweredAsExpected() throws Exception {
        Training.Result r = Training.train(2);
        assertThat(r.requests()).isGreaterThan(50);
        assertThat(r.failed()).isZero();
    }
}
