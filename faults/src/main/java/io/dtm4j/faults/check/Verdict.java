package io.dtm4j.faults.check;

import java.time.Duration;
import java.util.List;

/**
 * What the checker found.
 *
 * @param transactions the transactions the server knows, plus the acknowledged ones it lost
 * @param lost acknowledged transactions the server does not know, and transfers that succeeded
 *     with an effect missing
 * @param appliedTwice transfers with an effect applied more than once, or kept though they failed
 * @param unfinished transactions not {@code succeed} or {@code failed} after the settle time
 * @param wokenCalls branch calls received after their transaction finished, sent by a node right
 *     after it woke from a pause past its lease: repeats the barrier absorbs, not violations
 * @param violations every violation found, with the history of its gid
 * @param settleTime how long after the faults ended every transaction took to be final
 */
public record Verdict(
        long transactions,
        long lost,
        long appliedTwice,
        long unfinished,
        long wokenCalls,
        List<String> violations,
        Duration settleTime) {
    public boolean clean() {
        return violations.isEmpty();
    }
}
