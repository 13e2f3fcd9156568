package io.dtm4j.spring.bank;

import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.testing.JdbcTestDatabases;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The business databases of the Spring tests: a fresh PostgreSQL schema or MariaDB database each. */
public final class BankTestSupport {
    private BankTestSupport() {}

    /** Creates a fresh namespace on {@code driver} ({@code postgres} or {@code mysql}). */
    public static StoreConfig createNamespace(String driver) {
        StoreConfig config = JdbcTestDatabases.config(driver, JdbcTestDatabases.freshNamespace(), 1);
        JdbcTestDatabases.execute(
                config,
                driver.equals("postgres") ? "CREATE SCHEMA " + config.schema() : "CREATE DATABASE " + config.db());
        return config;
    }

    /** The JDBC URL of the namespace of {@code config}. */
    public static String url(StoreConfig config) {
        String user = "user=" + URLEncoder.encode(config.user(), StandardCharsets.UTF_8)
                + (config.password().isEmpty()
                        ? ""
                        : "&password=" + URLEncoder.encode(config.password(), StandardCharsets.UTF_8));
        return config.driver().equals("postgres")
                ? "jdbc:postgresql://" + config.host() + ":" + config.port() + "/" + config.db() + "?" + user
                        + "&currentSchema=" + config.schema()
                : "jdbc:mariadb://" + config.host() + ":" + config.port() + "/" + config.db() + "?" + user;
    }
}
