package io.dtm4j.faults.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of our own, made by Debian's {@code initdb} (the newest version installed)
 * and run by {@code pg_ctl} on a free loopback port, user postgres with trust authentication. fsync
 * and synchronous commit are on, so an immediate shutdown (no checkpoint: crash recovery at the next
 * start) loses nothing that was committed.
 *
 * <p>PostgreSQL refuses to run as root: as root, every command runs as user postgres (runuser) and
 * the directory given to {@link #start} is handed to that user, so its parents must be searchable by
 * others (as /tmp is).
 */
public final class PrivatePostgres implements StoreInstance {
    /** Where Debian installs each major version: {@code <root>/<version>/bin}. */
    public static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

    private static final String OS_USER = "postgres";

    private Path dir;
    private Path data;
    private Path log;
    private Path bin;
    private int port;
    /** The pids of the postmaster and its children while it runs, else empty. */
    private List<Long> pids = List.of();

    /** Returns the bin directory of the newest PostgreSQL installed, if any. */
    public static Optional<Path> binDir() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
            return versions.filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                    .filter(v ->
                            Files.isExecutable(v.resolve("bin/pg_ctl")) && Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingDouble(
                            v -> Double.parseDouble(v.getFileName().toString())))
                    .map(v -> v.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public synchronized void start(Path dir) throws IOException, InterruptedException {
        bin = binDir().orElseThrow(() -> new IOException("no PostgreSQL under " + DEBIAN_ROOT));
        this.dir = dir;
        Files.createDirectories(dir);
        data = dir.resolve("data");
        log = dir.resolve("postgres.log");
        Files.createFile(log); // pg_ctl's output and the server's log, appended by both
        if (LocalProcesses.isRoot()) {
            UserPrincipal postgres =
                    dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
            Files.setOwner(dir, postgres);
            Files.setOwner(log, postgres);
            try {
                LocalProcesses.run(command("test", "-w", dir.toString()), dir, log);
            } catch (IOException e) {
                throw new IOException(
                        "user " + OS_USER + " cannot write " + dir
                                + ": its parent directories must be searchable by others, as /tmp is",
                        e);
            }
        }
        port = LocalProcesses.freePort();
        LocalProcesses.run(
                command(
                        bin.resolve("initdb").toString(),
                        "-D",
                        data.toString(),
                        "-A",
                        "trust",
                        "-U",
                        OS_USER,
                        "--no-sync",
                        "-E",
                        "UTF8",
                        "--locale=C"), // whatever LANG the harness runs with
                dir,
                log);
        // settings in the file rather than on pg_ctl's command line (which goes through a shell)
        Files.writeString(
                data.resolve("postgresql.conf"),
                String.join(
                        "\n",
                        "",
                        "# dtm4j faults: a private cluster",
                        "listen_addresses = '127.0.0.1'",
                        "port = " + port,
                        "unix_socket_directories = ''", // TCP only: no socket path length limit, nothing shared
                        "max_connections = 300",
                        "fsync = on",
                        "synchronous_commit = on",
                        "full_page_writes = on",
                        ""),
                StandardOpenOption.APPEND);
        launch();
    }

    /** Returns {@code args}, run as user postgres when we are root. */
    private static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        if (LocalProcesses.isRoot()) {
            command.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        command.addAll(List.of(args));
        return command;
    }

    private void launch() throws IOException, InterruptedException {
        String timeout = String.valueOf(LocalProcesses.TIMEOUT.toSeconds());
        try {
            LocalProcesses.run(
                    command(pgCtl(), "start", "-w", "-t", timeout, "-D", data.toString(), "-l", log.toString()),
                    dir,
                    log);
            String postmaster =
                    Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim();
            pids = LocalProcesses.withDescendants(Long.parseLong(postmaster));
            LocalProcesses.await(
                    "postgres on port " + port,
                    () -> {
                        try (Connection c = connect("postgres")) {
                            return c.isValid(5);
                        }
                    },
                    null,
                    log);
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    private String pgCtl() {
        return bin.resolve("pg_ctl").toString();
    }

    /** Returns the port it listens on, 127.0.0.1 only. */
    public int port() {
        return port;
    }

    /** Returns the postmaster's pid, or -1 when stopped. */
    public synchronized long pid() {
        return pids.isEmpty() ? -1 : pids.get(0);
    }

    /** Returns the JDBC URL of {@code database} (user postgres, no password). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Opens a connection as postgres to {@code database}. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), OS_USER, "");
    }

    @Override
    public Map<String, String> serverEnv() {
        return Map.of(
                "STORE_DRIVER", "postgres",
                "STORE_HOST", "127.0.0.1",
                "STORE_PORT", String.valueOf(port),
                "STORE_USER", OS_USER,
                "STORE_PASSWORD", "",
                "STORE_DB", "dtm");
    }

    @Override
    public boolean canBeStopped() {
        return true;
    }

    /**
     * Stops it with {@code pg_ctl stop -m immediate}: every process quits at once, without a checkpoint,
     * as in a crash. Returns when the postmaster and every backend are gone (killed if they linger).
     */
    @Override
    public synchronized void stop() throws IOException, InterruptedException {
        if (dir == null || data == null) {
            return;
        }
        List<Long> running = new ArrayList<>(pids);
        Path pidFile = data.resolve("postmaster.pid");
        if (Files.exists(pidFile)) { // also a postmaster we lost track of, e.g. a start that timed out
            try {
                long postmaster =
                        Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                running.addAll(LocalProcesses.withDescendants(postmaster));
            } catch (IOException | RuntimeException e) {
                // a pid file being written or removed: what we knew is all there is
            }
            try {
                LocalProcesses.run(command(pgCtl(), "stop", "-m", "immediate", "-w", "-D", data.toString()), dir, log);
            } catch (IOException e) {
                // no server (a start that failed): the processes, if any, are killed below
            }
        }
        if (!LocalProcesses.awaitGone(running)) {
            LocalProcesses.kill(running);
        }
        pids = List.of();
    }

    @Override
    public synchronized void restart() throws IOException, InterruptedException {
        if (!pids.isEmpty()) {
            throw new IllegalStateException("postgres on port " + port + " is running");
        }
        launch();
    }

    @Override
    public synchronized void close() {
        try {
            stop();
        } catch (IOException e) {
            throw new IllegalStateException("could not stop postgres on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping postgres on port " + port, e);
        } finally {
            LocalProcesses.deleteTree(dir);
        }
    }
}
