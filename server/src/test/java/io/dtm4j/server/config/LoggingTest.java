package io.dtm4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

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
    void jsonFormatWritesOneObjectPerLineWithTheMdc() throws Exception {
        PrintStream original = System.err;
        var captured = new ByteArrayOutputStream();
        String marker = "json-line-" + System.nanoTime();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Logging.format("json");
            MDC.put("gid", "gid-of-the-json-test");
            LoggerFactory.getLogger(LoggingTest.class).info("{} says \"hi\"", marker);
        } finally {
            MDC.remove("gid");
            Logging.format("text");
            System.setErr(original);
        }
        String line = captured.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.contains(marker))
                .findFirst()
                .orElseThrow();
        JsonNode event = new ObjectMapper().readTree(line);
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("formattedMessage").asText()).isEqualTo(marker + " says \"hi\"");
        assertThat(event.path("mdc").path("gid").asText()).isEqualTo("gid-of-the-json-test");
        assertThat(event.path("loggerName").asText()).isEqualTo(LoggingTest.class.getName());
    }

    @Test
    void applyFallsBackToInfoForAnUnknownLevel() {
        Logging.apply("loud");
        assertThat(root.getLevel()).isEqualTo(Level.INFO);
    }
}
