package io.dtm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Linux-only CPU accounting over the measurement window, from /proc: the whole machine, this
 * process and, when its pid is given, the server. Shows how the cores were split between server,
 * bench and anything else running. Prints nothing where /proc is missing.
 */
final class CpuSampler {
    /** USER_HZ; 100 on every mainstream Linux build. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long serverPid;
    private volatile Snapshot first;
    private volatile Snapshot last;

    CpuSampler(long serverPid) {
        this.serverPid = serverPid;
    }

    void begin() {
        first = snapshot();
    }

    synchronized void end() {
        if (last == null) {
            last = snapshot();
        }
    }

    void endIfOpen() {
        end();
    }

    /** The split of the cores, and the server's CPU per saga when its pid is known. */
    String describe(long sagas) {
        if (first == null || last == null || first.machineTotal < 0 || last.machineTotal < 0) {
            return "CPU: not available (no /proc)";
        }
        double wall = (last.nanos - first.nanos) / 1e9;
        int cores = Runtime.getRuntime().availableProcessors();
        double totalTicks = last.machineTotal - first.machineTotal;
        double busyTicks = totalTicks - (last.machineIdle - first.machineIdle);
        double busyCores = busyTicks / TICKS_PER_SECOND / wall;
        double bench = (last.self - first.self) / TICKS_PER_SECOND / wall;
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "CPU over the measurement (cores busy of %d): machine %.2f, bench %.2f",
                cores,
                busyCores,
                bench));
        if (serverPid > 0 && first.server >= 0 && last.server >= 0) {
            double server = (last.server - first.server) / TICKS_PER_SECOND / wall;
            s.append(String.format(
                    Locale.ROOT,
                    ", server %.2f, other processes + kernel %.2f",
                    server,
                    Math.max(0, busyCores - bench - server)));
            if (sagas > 0) {
                s.append(String.format(Locale.ROOT, "; server CPU per saga %.3f ms", server * wall * 1000 / sagas));
            }
        } else {
            s.append(String.format(Locale.ROOT, ", everything else %.2f", Math.max(0, busyCores - bench)));
        }
        return s.toString();
    }

    private Snapshot snapshot() {
        Snapshot s = new Snapshot();
        s.nanos = System.nanoTime();
        try {
            String[] cpu =
                    Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            // user nice system idle iowait irq softirq steal (guest time is already in user)
            for (int i = 1; i <= Math.min(8, cpu.length - 1); i++) {
                total += Long.parseLong(cpu[i]);
            }
            s.machineTotal = total;
            s.machineIdle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
            s.self = processTicks(ProcessHandle.current().pid());
            s.server = serverPid > 0 ? processTicks(serverPid) : -1;
        } catch (IOException | RuntimeException e) {
            s.machineTotal = -1;
        }
        return s;
    }

    private static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static final class Snapshot {
        long nanos;
        long machineTotal;
        long machineIdle;
        long self;
        long server;
    }
}
