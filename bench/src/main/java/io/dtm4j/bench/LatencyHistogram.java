package io.dtm4j.bench;

/**
 * Latency recorder in microseconds with log-linear buckets: exact below 1,024 µs, then 512 linear
 * sub-buckets per power of two, so a reported value is within 0.2% of the recorded one. Not
 * thread-safe: each request loop group records into its own instance, merged at the end.
 */
final class LatencyHistogram {
    private static final int EXACT = 1024;
    private static final int SUB = 512;
    private static final int SUB_BITS = 9;
    /** Values up to 2^40 µs (about 12 days) fit; larger ones are clamped. */
    private static final int MAX_SHIFT = 31;

    private final long[] counts = new long[EXACT + MAX_SHIFT * SUB];
    private long total;
    private long max;
    private long sum;

    void record(long micros) {
        long v = Math.max(0, micros);
        counts[index(v)]++;
        total++;
        sum += v;
        if (v > max) {
            max = v;
        }
    }

    void merge(LatencyHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    long max() {
        return max;
    }

    double mean() {
        return total == 0 ? 0 : (double) sum / total;
    }

    /** The smallest recorded value (bucket upper bound) such that {@code q} of the samples are at or below it. */
    long percentile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < EXACT) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - SUB_BITS; // v >> shift is in [512, 1023]
        if (shift > MAX_SHIFT) {
            return EXACT + MAX_SHIFT * SUB - 1;
        }
        return EXACT + (shift - 1) * SUB + (int) ((v >> shift) - SUB);
    }

    static long upperBound(int index) {
        if (index < EXACT) {
            return index;
        }
        int shift = (index - EXACT) / SUB + 1;
        long sub = (index - EXACT) % SUB + SUB;
        return ((sub + 1) << shift) - 1;
    }
}
