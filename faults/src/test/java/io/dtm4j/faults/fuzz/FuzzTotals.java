package io.dtm4j.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request count of the whole fuzz run. The fuzz classes run in parallel in one JVM (surefire's
 * class-level concurrency), each against its own server; each reports here when it ends, and the
 * last of them to end asserts that together they sent at least {@link #MIN_TOTAL} requests (the
 * issue's goal). A run of a subset (one class by {@code -Dtest}, or one case by {@code
 * dtm4j.fuzz.case}) prints the count without asserting the total.
 */
final class FuzzTotals {
    static final long MIN_TOTAL = 10_000;

    /** Every fuzz class; a class not listed cannot report, and a listed one must exist. */
    static final List<String> CLASSES = List.of("HttpFuzzTest", "JsonRpcFuzzTest", "GrpcFuzzTest", "RaceFuzzTest");

    private static final Map<String, Long> FINISHED = new TreeMap<>();

    private FuzzTotals() {}

    /**
     * Records that {@code test} ended having sent {@code sent} requests over {@code cases} cases; asserts
     * that no case was skipped (each sends one request at least), and the total when every class has
     * ended.
     */
    static synchronized void finished(Class<?> test, long sent, long cases) {
        String name = test.getSimpleName();
        assertThat(CLASSES).as("FuzzTotals.CLASSES lists %s", name).contains(name);
        for (String c : CLASSES) { // a renamed class would otherwise leave the total unasserted
            try {
                Class.forName(FuzzTotals.class.getPackageName() + "." + c);
            } catch (ClassNotFoundException e) {
                throw new AssertionError("FuzzTotals.CLASSES names " + c + ", which does not exist", e);
            }
        }
        FINISHED.put(name, sent);
        long total = FINISHED.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(
                "fuzz: %s sent %d requests (%d cases); seed %d; %d by %s so far%n",
                name, sent, cases, FuzzServer.SEED, total, FINISHED.keySet());
        if (Cases.ONLY != null) {
            return;
        }
        assertThat(sent).as("%s: requests sent, one per case at least", name).isGreaterThanOrEqualTo(cases);
        if (FINISHED.keySet().containsAll(CLASSES)) {
            System.out.printf("fuzz: total %d generated requests, seed %d%n", total, FuzzServer.SEED);
            assertThat(total).as("generated requests of the whole fuzz run").isGreaterThanOrEqualTo(MIN_TOTAL);
        } else {
            System.out.println("fuzz: the total is asserted when every class of " + CLASSES + " has run");
        }
    }
}
