package io.dtm4j.server.config;

import java.nio.file.Path;
import java.util.Set;

/**
 * The server's command-line flags, as the dtm binary has them: {@code -c <file>}, {@code -d},
 * {@code -r}, {@code -v} and {@code -h}. Flags may start with {@code -} or {@code --}; a value may
 * follow as the next argument or after {@code =}; boolean flags accept {@code =true}/{@code =false}.
 *
 * @param configFile YAML file given with {@code -c}, or null for none
 * @param version {@code -v}: print the version and exit
 * @param help {@code -h}: print the usage and exit
 * @param debug {@code -d}: log at debug level, whatever {@code LogLevel} says
 * @param reset {@code -r}: reset the store's data before starting
 * @param printDdl {@code --print-ddl postgres|mysql} (alias {@code -ddl}, dtm4j only): print the SQL
 *     store's DDL and exit; null when not given
 */
public record CommandLine(
        Path configFile, boolean version, boolean help, boolean debug, boolean reset, String printDdl) {

    /** Flags without {@code --print-ddl}. */
    public CommandLine(Path configFile, boolean version, boolean help, boolean debug, boolean reset) {
        this(configFile, version, help, debug, reset, null);
    }

    private static final Set<String> TRUE = Set.of("1", "t", "T", "true", "TRUE", "True");
    private static final Set<String> FALSE = Set.of("0", "f", "F", "false", "FALSE", "False");

    /** The arguments cannot be parsed; the message ends with the usage text. */
    public static final class UsageException extends RuntimeException {
        UsageException(String reason) {
            super(reason + "\n" + usage());
        }
    }

    /**
     * Returns the flags given in args.
     *
     * @throws UsageException for an unknown flag, a missing or bad value, or a positional argument
     */
    public static CommandLine parse(String... args) {
        Path config = null;
        boolean version = false;
        boolean help = false;
        boolean debug = false;
        boolean reset = false;
        String printDdl = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                if (i + 1 < args.length) {
                    throw new UsageException("unexpected argument: " + args[i + 1]);
                }
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                throw new UsageException("unexpected argument: " + arg);
            }
            String name = arg.substring(arg.startsWith("--") ? 2 : 1);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            switch (name) {
                case "c" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException("flag needs an argument: -c");
                        }
                        value = args[++i];
                    }
                    config = value.isEmpty() ? null : Path.of(value);
                }
                case "v" -> version = bool(name, value);
                case "h", "help" -> help = bool(name, value);
                case "d" -> debug = bool(name, value);
                case "r" -> reset = bool(name, value);
                case "print-ddl", "ddl" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException("flag needs an argument: -" + name);
                        }
                        value = args[++i];
                    }
                    if (!value.equals("postgres") && !value.equals("mysql")) {
                        throw new UsageException(
                                "invalid value \"" + value + "\" for -" + name + ": postgres or mysql");
                    }
                    printDdl = value;
                }
                default -> throw new UsageException("flag provided but not defined: -" + name);
            }
        }
        return new CommandLine(config, version, help, debug, reset, printDdl);
    }

    /** Returns the usage text printed for {@code -h} and after a bad argument. */
    public static String usage() {
        return """
                Usage: dtm4j [options]
                  -c <file>  path to the server configuration file (YAML, dtm's keys)
                  -d         set the log level to debug
                  -r         reset the store's data before starting
                  --print-ddl postgres|mysql
                             print the SQL store's tables (DDL) for Store.Schema/Store.Db and exit
                  -v         show the version and exit
                  -h         show this help and exit
                """;
    }

    private static boolean bool(String name, String value) {
        if (value == null || TRUE.contains(value)) {
            return true;
        }
        if (FALSE.contains(value)) {
            return false;
        }
        throw new UsageException("invalid boolean value \"" + value + "\" for -" + name);
    }
}
