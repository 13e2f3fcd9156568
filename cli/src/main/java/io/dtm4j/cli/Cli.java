package io.dtm4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * dtm4j-cli: the admin operations of a dtm4j server from the command line (docs/cli.md). {@link
 * #run} parses the global options ({@code --server}, {@code --token}, {@code --json}, {@code
 * --help}, anywhere before {@code --}), finds the command and runs it, and returns the exit code: 0
 * done, 1 the server refused or failed, 2 usage error, 3 the server is unreachable.
 */
public final class Cli {
    static final String OVERVIEW = """
            Usage: dtm4j-cli [--server URL] [--token TOKEN] [--json] COMMAND [ARGUMENTS]

            The admin operations of a dtm4j server, over its HTTP API.

            Commands:
              list                 transactions, newest first, with filters (--status, --type, --since...)
              show GID             a transaction, its branches and their last failed calls
              retry GID...         make transactions due now: their next round runs at the scheduler's next pass
              stop GID...          force-stop transactions (failed, nothing compensated); asks, or --yes
              topics list          msg topics and their number of subscribers
              topics show TOPIC    a topic's subscribers
              topics subscribe TOPIC URL [REMARK]
              topics unsubscribe TOPIC URL
              topics delete TOPIC
              parked list          transactions parked when their retry budget ran out (dtm4j only)
              parked replay GID... resume parked transactions
              parked stop GID...   force-stop parked transactions; asks, or --yes
              nodes                the server nodes sharing the store (dtm4j only)
              help [COMMAND]       this text, or a command's (also: COMMAND --help)

            Global options (before or after the command):
              --server URL     the server, default $DTM4J_SERVER, else http://localhost:36789
              --token TOKEN    sent as "Authorization: Bearer TOKEN" with every request; default $DTM4J_TOKEN
                               (prefer the variable: other users of the machine can see arguments)
              --json           the server's JSON objects, one per line, for scripts (jq)
              -h, --help       help

            Exit codes: 0 done, 1 the server refused or failed (its message is printed), 2 usage error,
            3 the server is unreachable.
            """;

    private static final List<String> FAMILIES = List.of("topics", "parked");

    private final PrintStream out;
    private final PrintStream err;
    private final Confirmation confirmation;
    private final Map<String, String> env;
    private final Clock clock;
    private final Map<String, Command> commands = new LinkedHashMap<>();

    /**
     * A command line whose output goes to {@code out} and {@code err}, which asks for confirmation
     * with {@code confirmation}, reads {@code DTM4J_SERVER} and {@code DTM4J_TOKEN} from {@code env}
     * and resolves relative times ({@code --since 15m}) and local ones with {@code clock}.
     */
    public Cli(PrintStream out, PrintStream err, Confirmation confirmation, Map<String, String> env, Clock clock) {
        this.out = out;
        this.err = err;
        this.confirmation = confirmation;
        this.env = env;
        this.clock = clock;
        Stream.of(TransactionCommands.all(), TopicCommands.all(), ParkedCommands.all(), NodeCommands.all())
                .flatMap(List::stream)
                .forEach(c -> commands.put(c.name(), c));
    }

    /**
     * Runs the command line of the process and exits with its code. Output is UTF-8 whatever the
     * locale: JSON is UTF-8 by definition, and a pipe in a container with the POSIX locale would
     * otherwise turn every non-ASCII character of a gid, URL or remark into {@code ?}.
     */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false,
                StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = new Cli(out, err, Confirmation.console(), System.getenv(), Clock.systemDefaultZone()).run(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs the command line {@code args}; returns the exit code. */
    public int run(String... args) {
        GlobalOptions global;
        try {
            global = GlobalOptions.parse(args);
        } catch (Failure f) {
            return usageError(f.getMessage(), null);
        }
        List<String> rest = global.rest();
        boolean help = global.help();
        if (rest.isEmpty()) {
            if (help) {
                out.print(OVERVIEW);
                return 0;
            }
            return usageError("no command given", null);
        }
        if (rest.get(0).equals("help")) {
            return help(rest.subList(1, rest.size()));
        }
        String first = rest.get(0);
        int argsFrom = 1;
        String name = first;
        if (FAMILIES.contains(first)) {
            if (rest.size() < 2 || rest.get(1).startsWith("-")) {
                if (help) {
                    out.print(familyHelp(first));
                    return 0;
                }
                return usageError(first + " needs a subcommand", first);
            }
            name = first + " " + rest.get(1);
            argsFrom = 2;
        }
        Command command = commands.get(name);
        if (command == null) {
            return usageError("unknown command '" + name + "'", FAMILIES.contains(first) ? first : null);
        }
        if (help) {
            out.print(command.fullHelp());
            return 0;
        }
        try {
            Args parsed = Args.parse(rest.subList(argsFrom, rest.size()), command.valued(), command.flags());
            try (AdminApi api = new AdminApi(
                    orEnv(global.server(), "DTM4J_SERVER", AdminApi.DEFAULT_SERVER),
                    orEnv(global.token(), "DTM4J_TOKEN", null),
                    new ObjectMapper())) {
                return command.action().run(new Session(api, out, err, global.json(), confirmation, clock), parsed);
            }
        } catch (Failure f) {
            if (f.exitCode() == Failure.USAGE) {
                return usageError(f.getMessage(), command.name());
            }
            err.println("dtm4j-cli: " + f.getMessage());
            return f.exitCode();
        }
    }

    private String orEnv(String given, String variable, String otherwise) {
        if (given != null) {
            return given;
        }
        String v = env.get(variable);
        return v == null || v.isBlank() ? otherwise : v.strip();
    }

    /** {@code help}, {@code help COMMAND}, {@code help topics}. */
    private int help(List<String> words) {
        if (words.isEmpty()) {
            out.print(OVERVIEW);
            return 0;
        }
        String name = String.join(" ", words);
        Command command = commands.get(name);
        if (command != null) {
            out.print(command.fullHelp());
            return 0;
        }
        if (words.size() == 1 && FAMILIES.contains(name)) {
            out.print(familyHelp(name));
            return 0;
        }
        return usageError("no help for '" + name + "': no such command", null);
    }

    private String familyHelp(String family) {
        StringBuilder b = new StringBuilder(
                "Usage: dtm4j-cli [--server URL] [--token TOKEN] [--json] " + family + " SUBCOMMAND [ARGUMENTS]\n\n");
        for (Command c : commands.values()) {
            if (c.name().startsWith(family + " ")) {
                b.append("  ")
                        .append(c.usage())
                        .append("\n      ")
                        .append(c.summary())
                        .append('\n');
            }
        }
        b.append("\ndtm4j-cli help ").append(family).append(" SUBCOMMAND: details of one.\n");
        return b.toString();
    }

    /**
     * Prints a usage error, with the usage of {@code topic} (a command or family name; null: the
     * overview's first line); returns 2.
     */
    private int usageError(String message, String topic) {
        err.println("dtm4j-cli: " + message);
        Command command = topic == null ? null : commands.get(topic);
        if (command != null) {
            err.println("Usage: dtm4j-cli " + command.usage());
            err.println("More: dtm4j-cli help " + command.name());
        } else if (topic != null) {
            err.print(familyHelp(topic));
        } else {
            err.println("Usage: dtm4j-cli [--server URL] [--token TOKEN] [--json] COMMAND [ARGUMENTS]");
            err.println("Commands: list, show, retry, stop, topics, parked, help. More: dtm4j-cli help");
        }
        return Failure.USAGE;
    }
}
