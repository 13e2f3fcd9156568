package io.dtm4j.server.testing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dtm4j.server.config.ServerConfig.StoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL and MySQL/MariaDB servers of the SQL store tests. Addresses come from {@code
 * DTM4J_TEST_POSTGRES} (default {@code 127.0.0.1:5432}, user {@code postgres}, database {@code
 * test}) and {@code DTM4J_TEST_MYSQL} (default {@code 127.0.0.1:3306}, user {@code root}); users and
 * passwords from {@code DTM4J_TEST_POSTGRES_USER}/{@code _PASSWORD} and {@code
 * DTM4J_TEST_MYSQL_USER}/{@code _PASSWORD}. Each test class or server uses its own namespace: a
 * schema of database {@code test} (postgres) or a database (mysql).
 */
public final class JdbcTestDatabases {
    private static final ConcurrentMap<String, Optional<String>> PROBES = new ConcurrentHashMap<>();

    private JdbcTestDatabases() {}

    /** Whether {@code driver} is {@code postgres} or {@code mysql}. */
    public static boolean isSql(String driver) {
        return driver.equals("postgres") || driver.equals("mysql");
    }

    private static String env(String name, String def) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? def : v.trim();
    }

    private static String prefix(String driver) {
        return driver.equals("postgres") ? "DTM4J_TEST_POSTGRES" : "DTM4J_TEST_MYSQL";
    }

    private static String address(String driver) {
        return env(prefix(driver), driver.equals("postgres") ? "127.0.0.1:5432" : "127.0.0.1:3306");
    }

    public static String host(String driver) {
        String a = address(driver);
        return a.substring(0, a.lastIndexOf(':'));
    }

    public static int port(String driver) {
        String a = address(driver);
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    public static String user(String driver) {
        return env(prefix(driver) + "_USER", driver.equals("postgres") ? "postgres" : "root");
    }

    public static String password(String driver) {
        return env(prefix(driver) + "_PASSWORD", "");
    }

    /** Returns why {@code driver}'s server cannot be used, or empty when it answers. */
    public static Optional<String> unavailable(String driver) {
        return PROBES.computeIfAbsent(driver, d -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host(d), port(d)), 1000);
                return Optional.empty();
            } catch (IOException e) {
                return Optional.of(d + " at " + address(d) + " is unreachable (" + e.getMessage() + "); set "
                        + prefix(d) + "=host:port to test the " + d + " store");
            }
        });
    }

    /** Skips the calling test, printing the reason, when {@code driver}'s server is unreachable. */
    public static void assumeAvailable(String driver) {
        Optional<String> reason = unavailable(driver);
        reason.ifPresent(r -> System.out.println("SKIPPED: " + r));
        Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    }

    /** A fresh namespace name, {@code dtm4j_t_<random>}. */
    public static String freshNamespace() {
        return "dtm4j_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** The store settings of {@code driver} with its tables in {@code namespace}. */
    public static StoreConfig config(String driver, String namespace, int poolSize) {
        boolean pg = driver.equals("postgres");
        return new StoreConfig(
                driver,
                host(driver),
                port(driver),
                user(driver),
                password(driver),
                pg ? "test" : namespace,
                pg ? namespace : "public",
                poolSize,
                2,
                5,
                604800,
                86400,
                "{a}",
                Path.of("unused"),
                0);
    }

    /** Opens a plain connection to the database of {@code config} (mysql: without a database). */
    public static Connection connect(StoreConfig config) throws SQLException {
        String url = config.driver().equals("postgres")
                ? "jdbc:postgresql://" + config.host() + ":" + config.port() + "/" + config.db()
                : "jdbc:mariadb://" + config.host() + ":" + config.port() + "/";
        return DriverManager.getConnection(url, config.user(), config.password());
    }

    /**
     * A pool of up to {@code size} connections (none kept idle) to database {@code test} of {@code
     * driver}'s server; close it.
     */
    public static HikariDataSource pool(String driver, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl((driver.equals("postgres") ? "jdbc:postgresql://" : "jdbc:mariadb://") + host(driver) + ":"
                + port(driver) + "/test");
        config.setUsername(user(driver));
        config.setPassword(password(driver));
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        return new HikariDataSource(config);
    }

    /** Runs statements on a plain connection to the database of {@code config}. */
    public static void execute(StoreConfig config, String... sql) {
        try (Connection c = connect(config);
                Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run " + String.join("; ", sql) + ": " + e.getMessage(), e);
        }
    }

    /** Empties dtm's three tables of the namespace of {@code config}. */
    public static void truncate(StoreConfig config) {
        if (config.driver().equals("postgres")) {
            String s = config.schema();
            execute(config, "TRUNCATE " + s + ".trans_global, " + s + ".trans_branch_op, " + s + ".kv");
        } else {
            String d = config.db();
            execute(
                    config,
                    "TRUNCATE TABLE " + d + ".trans_global",
                    "TRUNCATE TABLE " + d + ".trans_branch_op",
                    "TRUNCATE TABLE " + d + ".kv");
        }
    }

    /** Drops the namespace of {@code config} with everything in it. */
    public static void drop(StoreConfig config) {
        if (config.driver().equals("postgres")) {
            execute(config, "DROP SCHEMA IF EXISTS " + config.schema() + " CASCADE");
        } else {
            execute(config, "DROP DATABASE IF EXISTS " + config.db());
        }
    }
}
