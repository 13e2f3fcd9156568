package io.dtm4j.faults.store;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the private stores share: loopback ports, running a program with its output in a log file,
 * polling until something serves, and making sure processes are gone. Each store class then only
 * says how its own program starts and stops.
 */
public final class LocalProcesses {
    /**
     * How long a start, stop or restart may take. Generous: the machines are shared, have two cores, and
     * a database may have crash recovery to run.
     */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final Duration POLL = Duration.ofMillis(50);
    private static final int LOWEST_PORT = 10_000;
    private static final int TAIL_LINES = 40;
    /** The machine's shared services, which a private instance must never take the place of. */
    private static final Set<Integer> SHARED_PORTS = Set.of(5432, 3306, 6379);
    /** Ports handed out in this JVM: two instances started side by side never get the same one. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LocalProcesses() {}

    /** A readiness check; an exception counts as "not yet". */
    @FunctionalInterface
    public interface Probe {
        boolean ready() throws Exception;
    }

    /**
     * Returns a port free on 127.0.0.1 and below the kernel's ephemeral range. A store is restarted on
     * its port after a crash; a port from the ephemeral range could meanwhile have been taken as the
     * local port of some client connection, and the restart would then fail to bind.
     */
    public static int freePort() {
        int below = ephemeralLow();
        for (int attempt = 0; attempt < 1000 && below > LOWEST_PORT; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, below);
            if (!SHARED_PORTS.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1 between " + LOWEST_PORT + " and " + below);
    }

    private static int ephemeralLow() {
        try {
            // readAllLines: on this sysctl file readString (JDK 25) returns the first byte only
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .get(0);
            return Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768; // Linux's default
        }
    }

    private static boolean bindable(int port) {
        try (var socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether this JVM runs as root, which PostgreSQL refuses to run as. */
    public static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Starts {@code command} in {@code workDir}, its stdout and stderr appended to {@code log}, no stdin. */
    public static Process launch(List<String> command, Path workDir, Path log) throws IOException {
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Runs {@code command} to its end; fails with the end of {@code log} when it fails or hangs. */
    public static void run(List<String> command, Path workDir, Path log) throws IOException, InterruptedException {
        Process process = launch(command, workDir, log);
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IOException(failure(command.get(0) + " did not end within " + TIMEOUT, log));
        }
        if (process.exitValue() != 0) {
            throw new IOException(failure(command.get(0) + " exited with " + process.exitValue(), log));
        }
    }

    /**
     * Polls {@code probe} until it holds. Fails early, with the end of {@code log}, when {@code process}
     * (if not null) exits, and after {@link #TIMEOUT}.
     */
    public static void await(String what, Probe probe, Process process, Path log)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            if (process != null && !process.isAlive()) {
                throw new IOException(failure(what + ": the process exited with " + process.exitValue(), log));
            }
            if (System.nanoTime() > deadline) {
                String cause = last == null ? "" : " (last: " + last + ")";
                throw new IOException(failure(what + ": not ready within " + TIMEOUT + cause, log));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Returns {@code message} followed by the last lines of {@code log}. */
    public static String failure(String message, Path log) {
        return message + "; the end of " + log + ":\n" + tail(log);
    }

    /** Returns the last lines of a log file, or why there are none. */
    public static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * Whether a process is gone. A zombie counts as gone: it holds no port, file or memory, and a
     * daemon's zombie is reaped by init, not by us.
     */
    public static boolean isGone(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int afterName = stat.lastIndexOf(')');
            return afterName < 0 || stat.charAt(afterName + 2) == 'Z';
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        }
    }

    /** Waits up to {@link #TIMEOUT} until all {@code pids} are gone; returns whether they are. */
    public static boolean awaitGone(Collection<Long> pids) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!pids.stream().allMatch(LocalProcesses::isGone)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(POLL.toMillis());
        }
        return true;
    }

    /** Returns {@code pid} and all its descendants, as they are now. */
    public static List<Long> withDescendants(long pid) {
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        return pids;
    }

    /** Sends SIGKILL to each of {@code pids} and waits until all are gone. */
    public static void kill(Collection<Long> pids) throws InterruptedException {
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (!awaitGone(pids)) {
            throw new IllegalStateException("still running after SIGKILL: " + pids);
        }
    }

    /** Deletes {@code dir} and all it holds; a missing directory is fine. */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
