package io.dtm4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LoggingTest {
    private Logger root;

    @BeforeEach
    void findRoot() {
        // While another test class initialises SLF4J in parallel, getLogger returns a stand-in.
        await().until(() -> LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger);
        root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @AfterEach
    void restore() {
        root.setLevel(Level.INFO);
    }

    @Test
    void applySetsTheRootLevelInAnyCase() {
        Logging.apply("DEBUG");
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        Logging.apply("warn");
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
    }

    @Test
    void applyFallsBackToInfoForAnUnknownLevel() {
        Logging.apply("loud");
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
    }
}
