package io.dtm4j.faults.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs the numbered cases of one fuzz property with plain JUnit: case i draws from {@link
 * Gen#caseSeed}(seed, property, i), so the run seed and the case number replay it. A failing case
 * does not stop the property (the server's state after it is part of what later cases test); the
 * failures are collected and the property fails at the end with the first few.
 *
 * <p>Replaying one case: {@code -Ddtm4j.fuzz.seed=S -Ddtm4j.fuzz.case=N
 * -Dtest=HttpFuzzTest#transactionRoutes} runs only case N of that property against a fresh server.
 * A case whose failure depends on what earlier cases stored needs the whole property replayed (the
 * same seed without {@code dtm4j.fuzz.case}).
 */
final class Cases {
    /** {@code -Ddtm4j.fuzz.case=N}: run only case N of each selected property; unset: run all. */
    static final Integer ONLY = Integer.getInteger("dtm4j.fuzz.case");

    /** After this many failures the property stops: the server is likely broken, more says nothing new. */
    private static final int MAX_FAILURES = 25;

    private static final int SHOWN = 5;

    private Cases() {}

    /** The seed a case of {@code property} draws from. */
    static long seed(String property, int i) {
        return Gen.caseSeed(FuzzServer.SEED, property, i);
    }

    /** A generator for case {@code i} of {@code property}. */
    static Gen gen(String property, int i) {
        return new Gen(seed(property, i));
    }

    /**
     * Runs cases 0…n−1 of {@code property} (only {@link #ONLY} when set), then {@code after} (the
     * checks of the server and the store that follow every property), then fails with the first
     * failures, each case named by its number and seed.
     */
    static void run(String property, int n, IntConsumer test, Runnable after) {
        List<String> failures = new ArrayList<>();
        Throwable first = null;
        int from = ONLY == null ? 0 : ONLY;
        int to = ONLY == null ? n : Math.min(n, ONLY + 1);
        long start = System.nanoTime();
        for (int i = from; i < to && failures.size() < MAX_FAILURES; i++) {
            try {
                test.accept(i);
            } catch (AssertionError | RuntimeException e) {
                if (first == null) {
                    first = e;
                }
                failures.add("case " + i + " (seed " + seed(property, i) + "; replay with -Ddtm4j.fuzz.seed="
                        + FuzzServer.SEED + " -Ddtm4j.fuzz.case=" + i + "): " + Gen.abbreviate(firstLines(e), 3000));
            }
        }
        try {
            after.run();
        } catch (AssertionError | RuntimeException e) {
            if (first == null) {
                first = e;
            }
            failures.add(0, "after the cases: " + Gen.abbreviate(firstLines(e), 6000));
        }
        System.out.printf(
                "fuzz: %s, %d cases in %d ms%n", property, to - from, (System.nanoTime() - start) / 1_000_000);
        if (!failures.isEmpty()) {
            var error = new AssertionError(property + ": " + failures.size()
                    + (failures.size() >= MAX_FAILURES ? "+ (stopped)" : "") + " failing cases under seed "
                    + FuzzServer.SEED + "; the first:\n"
                    + String.join("\n\n", failures.subList(0, Math.min(SHOWN, failures.size()))));
            error.initCause(first);
            throw error;
        }
    }

    private static String firstLines(Throwable e) {
        String m = String.valueOf(e.getMessage());
        return e.getClass().getSimpleName() + ": " + m;
    }
}
