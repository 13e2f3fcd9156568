package io.dtm4j.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The checker is only worth its figures if it catches a broken system: with bank A running every
 * operation without the barrier, repeated calls apply twice, and the checker must say so.
 */
class BrokenBarrierTest {
    @Test
    void aBankWithoutTheBarrierIsReportedAsApplyingTwice() throws Exception {
        Options options = Options.parse(new String[] {
            "--store", "embedded", "--duration", "15", "--quick", "--unsafe-barrier", "--seed", "7", "--accounts", "20"
        });
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FaultRun.Result result =
                new FaultRun(options, "embedded", new PrintStream(log, true, StandardCharsets.UTF_8)).run();

        assertThat(result.attempts()).isNotEmpty();
        assertThat(result.verdict().appliedTwice())
                .as("transfers applied twice by the bank without barrier; run log:%n%s", log)
                .isPositive();
        assertThat(result.verdict().clean()).isFalse();
        assertThat(result.verdict().violations()).anyMatch(v -> v.startsWith("APPLIED_TWICE"));
    }
}
