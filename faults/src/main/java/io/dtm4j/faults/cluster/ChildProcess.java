package io.dtm4j.faults.cluster;

import io.dtm4j.faults.store.LocalProcesses;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A JVM the harness starts, kills with SIGKILL, pauses with SIGSTOP and starts again with the same
 * command, ports and environment. Its output goes to one log file, appended across restarts, so
 * that a violation can be read against what the process said.
 */
class ChildProcess implements AutoCloseable {
    /** A start may take this long on a loaded 2-core machine before it counts as failed. */
    static final Duration START_LIMIT = Duration.ofSeconds(120);

    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path log;
    private Process process;
    private boolean paused;

    ChildProcess(String name, List<String> command, Map<String, String> env, Path log) {
        this.name = name;
        this.command = command;
        this.env = env;
        this.log = log;
    }

    /** The java of this JVM (a JDK 21+, as the harness itself needs). */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * Returns a free port below the ephemeral range, so that no outgoing connection can hold it
     * while the process is down and keep it from binding again at its restart.
     */
    static int freePort() {
        return LocalProcesses.freePort();
    }

    String name() {
        return name;
    }

    /** Starts the process and waits until {@code ready} holds (polled), or fails with its log's tail. */
    synchronized void start(BooleanSupplier ready) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        process = pb.start();
        paused = false;
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " at start:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " not ready after " + START_LIMIT.toSeconds() + " s:\n" + tail());
            }
            Thread.sleep(100);
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    synchronized boolean isPaused() {
        return paused;
    }

    /** SIGKILL: no shutdown hook, no flush, as a crash of the machine would do to the process. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
        paused = false;
    }

    /** SIGSTOP, as a long GC pause or a frozen VM. */
    synchronized void pause() throws IOException, InterruptedException {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause}. */
    synchronized void resume() throws IOException, InterruptedException {
        signal("CONT");
        paused = false;
    }

    private void signal(String signal) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid()))
                .redirectErrorStream(true)
                .start()
                .waitFor();
        if (exit != 0) {
            throw new IOException("kill -" + signal + " " + name + " (pid " + process.pid() + ") exited with " + exit);
        }
    }

    /** The last lines of the log, for error messages. */
    String tail() {
        return LocalProcesses.tail(log);
    }

    @Override
    public synchronized void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly(); // SIGKILL ends a stopped process too
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
