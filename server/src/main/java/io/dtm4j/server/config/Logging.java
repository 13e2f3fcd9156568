package io.dtm4j.server.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * Adjusts Logback at run time. Every Logback type stays inside {@link Logback}, which is loaded only
 * when a method here runs: without Logback on the class path (an embedding application's own SLF4J
 * binding, the fault suite's server processes) the calls do nothing instead of failing.
 */
public final class Logging {
    private Logging() {}

    /**
     * Sets the root log level to level ({@code debug}, {@code info}, {@code warn} or {@code error},
     * any case; anything else means info).
     */
    public static void apply(String level) {
        try {
            Logback.level(level);
        } catch (NoClassDefFoundError e) {
            // Logback is not on the class path: nothing to adjust
        }
    }

    /**
     * Switches the console lines to {@code json} (one JSON object per line, Logback's own encoder: the
     * MDC, e.g. the gid, is its {@code mdc} field) or back to {@code text}. Does nothing when the
     * console appender of logback.xml is gone.
     */
    public static void format(String format) {
        try {
            Logback.format(format);
        } catch (NoClassDefFoundError e) {
            // Logback is not on the class path: nothing to adjust
        }
    }

    private static final class Logback {
        /** The name of the console appender in logback.xml. */
        private static final String CONSOLE = "STDERR";
        /** The pattern encoder of logback.xml, kept to switch back from JSON. */
        private static Encoder<ILoggingEvent> textEncoder;

        static void level(String level) {
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
                context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.toLevel(level, Level.INFO));
            }
        }

        static synchronized void format(String format) {
            if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)
                    || !(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE)
                            instanceof ConsoleAppender<ILoggingEvent> console)) {
                return;
            }
            if (textEncoder == null) {
                textEncoder = console.getEncoder();
            }
            Encoder<ILoggingEvent> encoder = textEncoder;
            if (format.equals("json")) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                json.setWithFormattedMessage(true); // the message with its arguments in place
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.start();
                encoder = json;
            }
            console.stop();
            console.setEncoder(encoder);
            console.start();
        }
    }
}
