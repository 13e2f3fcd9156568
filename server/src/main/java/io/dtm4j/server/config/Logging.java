package io.dtm4j.server.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/** Adjusts Logback at run time. */
public final class Logging {
    /** The name of the console appender in logback.xml. */
    private static final String CONSOLE = "STDERR";
    /** The pattern encoder of logback.xml, kept to switch back from JSON. */
    private static Encoder<ILoggingEvent> textEncoder;

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

    /**
     * Switches the console lines to {@code json} (one JSON object per line, Logback's own encoder: the
     * MDC, e.g. the gid, is its {@code mdc} field) or back to {@code text}. Does nothing when SLF4J is
     * not bound to Logback or the console appender of logback.xml is gone.
     */
    public static void format(String format) {
        try {
            formatLogback(format);
        } catch (NoClassDefFoundError e) {
            // not Logback: nothing to adjust
        }
    }

    private static void formatLogback(String format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)
                || !(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender(CONSOLE)
                        instanceof ConsoleAppender<ILoggingEvent> console)) {
            return;
        }
        synchronized (Logging.class) {
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
