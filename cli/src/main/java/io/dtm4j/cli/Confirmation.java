package io.dtm4j.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Optional;

/** Asks the person at the terminal to confirm a destructive command. */
@FunctionalInterface
public interface Confirmation {
    /**
     * Asks {@code question}; returns whether the answer was yes, or empty when there is no terminal
     * to ask at (standard input or output redirected).
     */
    Optional<Boolean> ask(String question);

    /** Never asks: as a run without a terminal. */
    static Confirmation noTerminal() {
        return question -> Optional.empty();
    }

    /** Asks at the process's terminal, when it has one; {@code y} or {@code yes} confirm. */
    static Confirmation console() {
        return question -> {
            Console console = System.console();
            if (console == null || !isTerminal(console)) {
                return Optional.empty();
            }
            String line = console.readLine("%s [y/N] ", question);
            return Optional.of(isYes(line));
        };
    }

    static boolean isYes(String answer) {
        String a = answer == null ? "" : answer.strip().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes");
    }

    /**
     * Returns whether {@code console} is a terminal. Up to JDK 21 a console exists only then; JDK 22
     * to 24 may give one for redirected streams and say so with {@code isTerminal()}, called by name
     * as this code compiles for JDK 21.
     */
    private static boolean isTerminal(Console console) {
        try {
            Method m = Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
