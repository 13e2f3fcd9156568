package io.dtm4j.cli;

import java.util.Set;

/**
 * One command: its name ({@code list}, {@code topics subscribe}), usage line, help text, the options
 * it takes and what it does.
 */
record Command(
        String name, String usage, String summary, String help, Set<String> valued, Set<String> flags, Action action) {

    /** What a command does once its arguments are parsed; returns the exit code. */
    @FunctionalInterface
    interface Action {
        int run(Session session, Args args);
    }

    /** The text of {@code dtm4j-cli help <name>}. */
    String fullHelp() {
        return "Usage: dtm4j-cli [--server URL] [--token TOKEN] [--json] " + usage + "\n\n" + summary + "\n"
                + (help.isEmpty() ? "" : "\n" + help.stripTrailing() + "\n");
    }
}
