package io.dtm4j.faults;

import io.dtm4j.faults.nemesis.Fault;
import io.dtm4j.faults.nemesis.FaultKind;
import io.dtm4j.faults.workload.Attempt;
import io.dtm4j.faults.workload.Mode;
import java.io.PrintStream;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The summary of a run: transactions by mode and outcome, faults by kind, settle time and latencies. */
final class Report {
    private Report() {}

    static void print(FaultRun.Result r, PrintStream out) {
        out.println();
        out.println("== " + r.store() + ", " + r.nodes() + " server node(s) ==");
        out.printf("%-16s %8s %8s %10s %10s %8s%n", "mode", "total", "acked", "succeeded", "rolled back", "other");
        Map<Mode, long[]> byMode = new EnumMap<>(Mode.class);
        for (Attempt a : r.attempts()) {
            long[] n = byMode.computeIfAbsent(a.transfer().mode(), m -> new long[5]);
            n[0]++;
            n[1] += a.acknowledged() ? 1 : 0;
            switch (a.answer()) {
                case "ok" -> n[2]++;
                case "failure" -> n[3]++;
                default -> n[4]++;
            }
        }
        byMode.forEach(
                (mode, n) -> out.printf("%-16s %8d %8d %10d %10d %8d%n", mode.label(), n[0], n[1], n[2], n[3], n[4]));
        out.println("(client answers; 'other': the client saw an error or a timeout, the checker decides the rest)");
        Map<String, Long> errors = new TreeMap<>();
        r.attempts().stream()
                .filter(a -> a.answer().startsWith("error"))
                .forEach(a -> errors.merge(abbreviate(a.answer()), 1L, Long::sum));
        errors.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(8)
                .forEach(e -> out.printf("  %6d x %s%n", e.getValue(), e.getKey()));

        Map<FaultKind, Integer> byKind = new EnumMap<>(FaultKind.class);
        r.faults().forEach(f -> byKind.merge(f.kind(), 1, Integer::sum));
        out.println("faults injected:");
        byKind.forEach((kind, n) -> out.printf("  %-45s %5d%n", kind.description(), n));

        out.printf(
                "settled %.1f s after the faults ended%n",
                r.verdict().settleTime().toMillis() / 1000.0);
        out.println("client latency of acknowledged transfers started during a fault: " + latency(r, true)
                + "; otherwise: " + latency(r, false));
        if (r.verdict().wokenCalls() > 0) {
            out.println(
                    r.verdict().wokenCalls() + " branch call(s) arrived after their transaction finished, right after"
                            + " a paused node woke up: repeats of calls it was making when it froze, absorbed by the barrier");
        }
        r.verdict().violations().forEach(v -> out.println("VIOLATION " + v));
        out.println(line(
                r.store(),
                r.verdict().transactions(),
                r.faults().size(),
                r.verdict().lost(),
                r.verdict().appliedTwice(),
                r.verdict().unfinished()));
    }

    /** An error text without the gid and numbers, so that alike errors count together. */
    private static String abbreviate(String answer) {
        String text = answer.replaceAll("f[0-9a-z]+-[0-9]+", "<gid>").replaceAll("[0-9]+", "N");
        return text.length() > 110 ? text.substring(0, 110) + "..." : text;
    }

    private static String latency(FaultRun.Result r, boolean duringFaults) {
        long[] millis = r.attempts().stream()
                .filter(a -> a.acknowledged() && duringFaults == during(r.faults(), a))
                .mapToLong(a -> a.latencyNanos() / 1_000_000)
                .sorted()
                .toArray();
        if (millis.length == 0) {
            return "no transfers";
        }
        return "p50 " + millis[millis.length / 2] + " ms, p99 " + millis[(int) (millis.length * 0.99)] + " ms ("
                + millis.length + " transfers)";
    }

    private static boolean during(List<Fault> faults, Attempt a) {
        return faults.stream().anyMatch(f -> f.covers(a.startMillis()));
    }

    /** The result line, in the form CI and the published figures rely on. */
    static String line(String prefix, long transactions, long faults, long lost, long twice, long unfinished) {
        return prefix + ": " + transactions + " transactions, " + faults + " faults, " + lost + " lost, " + twice
                + " applied twice, " + unfinished + " unfinished";
    }

    /** The last line, over every store of the run. */
    static String total(List<FaultRun.Result> results) {
        return line(
                "faults",
                results.stream().mapToLong(r -> r.verdict().transactions()).sum(),
                results.stream().mapToLong(r -> r.faults().size()).sum(),
                results.stream().mapToLong(r -> r.verdict().lost()).sum(),
                results.stream().mapToLong(r -> r.verdict().appliedTwice()).sum(),
                results.stream().mapToLong(r -> r.verdict().unfinished()).sum());
    }
}
