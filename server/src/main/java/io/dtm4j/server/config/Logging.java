package io.dtm4j.server.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Adjusts Logback at run time. */
public final class Logging {
    private Logging() {}

    /**
     * Sets the root log level to level ({@code debug}, {@code info}, {@code warn} or {@code error},
     * any case; anything else means info). Does nothing when SLF4J is not bound to Logback.
     */
    public static void apply(String level) {
        try {
            applyToLogback(level);
        } catch (NoClassDefFoundError e) {
            // Logback is not on the class path (an embedding application's own SLF4J binding): nothing to adjust
        }
    }

    private static void applyToLogback(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
        }
    }
}
