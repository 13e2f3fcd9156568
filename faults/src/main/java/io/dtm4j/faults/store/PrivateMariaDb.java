package io.dtm4j.faults.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A {@code mariadbd} of our own: a child process on a free loopback port and a data directory made by
 * {@code mariadb-install-db}, root without a password over TCP. InnoDB flushes its log at every commit,
 * so a kill -9 loses nothing that was committed. Used as the dtm4j store and also as the banks'
 * business database (a second instance), hence {@link #jdbcUrl} and {@link #createDatabase}.
 */
public final class PrivateMariaDb extends OneProcessStore {
    /** The server binary (Debian's path). */
    public static final Path SERVER = Path.of("/usr/sbin/mariadbd");
    /** Creates the system tables of a new data directory; on the PATH. */
    public static final String INSTALL_DB = "mariadb-install-db";

    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

    private Path data;
    private Path tmp;
    private Path log;

    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public synchronized void start(Path dir) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir);
        data = dir.resolve("data");
        // Its own temporary directory: in the shared /tmp another process may remove
        // mariadbd's temporary tables (a CI run failed on exactly that).
        tmp = Files.createDirectories(dir.resolve("tmp"));
        log = dir.resolve("mariadbd.log");
        port = LocalProcesses.freePort();
        List<String> install = new ArrayList<>(List.of(
                INSTALL_DB,
                "--no-defaults",
                "--datadir=" + data,
                "--tmpdir=" + tmp,
                "--auth-root-authentication-method=normal", // root without a password, not unix_socket
                "--skip-test-db"));
        rootUser(install);
        LocalProcesses.run(install, dir, dir.resolve("install.log"));
        launch();
    }

    /** mariadbd refuses to run as root unless told to: it would otherwise switch to user mysql. */
    private static void rootUser(List<String> command) {
        if (LocalProcesses.isRoot()) {
            command.add("--user=root");
        }
    }

    @Override
    protected void launch() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                SERVER.toString(),
                "--no-defaults",
                "--datadir=" + data,
                "--tmpdir=" + tmp,
                "--socket=" + dir.resolve("mariadbd.sock"),
                "--pid-file=" + dir.resolve("mariadbd.pid"),
                "--log-error=" + log,
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                "--innodb-flush-log-at-trx-commit=1",
                "--max-connections=500"));
        rootUser(command);
        process = LocalProcesses.launch(command, dir, log);
        try {
            LocalProcesses.await(
                    "mariadbd on port " + port,
                    () -> {
                        try (Connection c = connect("")) {
                            return c.isValid(5);
                        }
                    },
                    process,
                    log);
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Returns the JDBC URL of {@code database} (user root, no password); see {@link #createDatabase}. */
    public String jdbcUrl(String database) {
        return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
    }

    /** Opens a connection as root to {@code database} ("" for none). */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), "root", "");
    }

    /** Creates {@code name} unless it exists; letters, digits and underscores only. */
    public void createDatabase(String name) throws SQLException {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = connect("");
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE IF NOT EXISTS `" + name + "`");
        }
    }

    @Override
    public Map<String, String> serverEnv() {
        return Map.of(
                "STORE_DRIVER", "mysql",
                "STORE_HOST", "127.0.0.1",
                "STORE_PORT", String.valueOf(port),
                "STORE_USER", "root",
                "STORE_PASSWORD", "",
                "STORE_DB", "dtm");
    }

    @Override
    protected String program() {
        return "mariadbd";
    }
}
