package io.dtm4j.faults.bank;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Faults the nemesis switches on for a while: after a business call's local work, with probability
 * {@code rate}, its answer becomes an error, is dropped or is delayed. Every fault comes after the
 * work so that the caller cannot tell from the answer whether the work was done, which is what the
 * barrier must cope with. Kept in memory only; a restart of the bank ends it.
 */
final class Chaos {
    /** The kinds of fault, by their name in {@code /admin/chaos?kind=}. */
    enum Kind {
        /** HTTP 500 with a plain text body; gRPC INTERNAL. */
        ERROR,
        /** No answer: the HTTP connection is closed; a gRPC call is left unanswered until its caller gives up. */
        DROP,
        /** The normal answer, {@code slow_ms} late. */
        SLOW;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One fault drawn for one call. */
    record Injection(Kind kind, long slowMillis) {}

    private record Plan(Kind kind, double rate, long untilMillis, long slowMillis) {}

    private volatile Plan plan;

    /**
     * Applies {@code /admin/chaos} parameters: {@code kind=off}, or {@code kind=error|drop|slow} with
     * {@code rate} (0..1, default 1), {@code seconds} (default 10) and {@code slow_ms} (default 4000).
     *
     * @throws IllegalArgumentException for an unknown kind or a value out of range
     */
    void configure(Map<String, String> query) {
        String kind = query.getOrDefault("kind", "");
        if (kind.equals("off")) {
            plan = null;
            return;
        }
        Kind parsed;
        try {
            parsed = Kind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("kind must be error, drop, slow or off, not '" + kind + "'");
        }
        double rate = Double.parseDouble(query.getOrDefault("rate", "1"));
        double seconds = Double.parseDouble(query.getOrDefault("seconds", "10"));
        long slowMillis = Long.parseLong(query.getOrDefault("slow_ms", "4000"));
        if (!(rate >= 0 && rate <= 1) || !(seconds >= 0) || slowMillis < 0) {
            throw new IllegalArgumentException("rate must be in 0..1, seconds and slow_ms at least 0");
        }
        plan = new Plan(parsed, rate, System.currentTimeMillis() + (long) (seconds * 1000), slowMillis);
    }

    /** Draws whether the call that just did its work gets a fault. */
    Optional<Injection> draw() {
        Plan current = plan;
        if (current == null
                || System.currentTimeMillis() >= current.untilMillis()
                || ThreadLocalRandom.current().nextDouble() >= current.rate()) {
            return Optional.empty();
        }
        return Optional.of(new Injection(current.kind(), current.slowMillis()));
    }
}
