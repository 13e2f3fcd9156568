package io.dtm4j.faults.nemesis;

/** One fault injected: what, on which target, and from when to when (epoch milliseconds). */
public record Fault(FaultKind kind, String target, long startMillis, long endMillis) {
    public boolean covers(long millis) {
        return millis >= startMillis && millis <= endMillis;
    }
}
