package io.dtm4j.examples;

import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.JdbcTestDatabases;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Business databases for the example runs: SQLite files, and a fresh PostgreSQL schema or MariaDB
 * database per test class, dropped afterwards. Balances are read here with plain JDBC, independent
 * of the examples' own code.
 */
final class BusinessDatabases {
    private BusinessDatabases() {}

    static String sqlite(Path dir, String name) {
        return "jdbc:sqlite:" + dir.resolve(name + ".db").toAbsolutePath();
    }

    /** Creates a fresh namespace on {@code driver} ({@code postgres} or {@code mysql}); returns its settings. */
    static StoreConfig createNamespace(String driver) {
        StoreConfig config = JdbcTestDatabases.config(driver, JdbcTestDatabases.freshNamespace(), 1);
        JdbcTestDatabases.execute(
                config,
                driver.equals("postgres") ? "CREATE SCHEMA " + config.schema() : "CREATE DATABASE " + config.db());
        return config;
    }

    /** The JDBC URL the examples get for the namespace of {@code config}. */
    static String url(StoreConfig config) {
        String credentials = "user=" + encode(config.user())
                + (config.password().isEmpty() ? "" : "&password=" + encode(config.password()));
        return config.driver().equals("postgres")
                ? "jdbc:postgresql://" + config.host() + ":" + config.port() + "/" + config.db() + "?" + credentials
                        + "&currentSchema=" + config.schema()
                : "jdbc:mariadb://" + config.host() + ":" + config.port() + "/" + config.db() + "?" + credentials;
    }

    /** Returns the balance of {@code user} in the database at {@code url}. */
    static long balance(String url, int user) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement ps = c.prepareStatement("SELECT balance FROM user_account WHERE user_id = ?")) {
            ps.setInt(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("user " + user + " missing in " + url);
                }
                return rs.getLong(1);
            }
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
