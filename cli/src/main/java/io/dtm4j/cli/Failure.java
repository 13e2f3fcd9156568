package io.dtm4j.cli;

/**
 * An expected way for a command to end other than success: it carries the exit code and the
 * message to print, never a stack trace (docs/cli.md "Exit codes").
 */
final class Failure extends RuntimeException {
    /** The server answered with an error, or refused one of the gids. */
    static final int REFUSED = 1;
    /** The command line is wrong: unknown command or option, missing argument, bad value. */
    static final int USAGE = 2;
    /** The server did not answer: refused connection, unknown host, timeout. */
    static final int UNREACHABLE = 3;

    private final int exitCode;

    private Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static Failure refused(String message) {
        return new Failure(REFUSED, message);
    }

    static Failure usage(String message) {
        return new Failure(USAGE, message);
    }

    static Failure unreachable(String message) {
        return new Failure(UNREACHABLE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
