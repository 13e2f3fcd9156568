package io.dtm4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runs dtm4j-cli in-process, as a shell would, and captures its exit code and output. */
final class CliRunner {
    /** What one command line printed and returned. */
    record Result(int exit, String out, String err) {
        /** The lines of standard output. */
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    private final String server;
    private final Map<String, String> env = new HashMap<>();
    private Confirmation confirmation = Confirmation.noTerminal();
    private Clock clock = Clock.systemDefaultZone();

    /** Runs against {@code server} (given with {@code --server}); null: no {@code --server}. */
    CliRunner(String server) {
        this.server = server;
    }

    CliRunner env(String name, String value) {
        env.put(name, value);
        return this;
    }

    CliRunner clock(Clock c) {
        clock = c;
        return this;
    }

    /** Answers every confirmation question as if typed at a terminal. */
    CliRunner answering(String typed) {
        confirmation = question -> Optional.of(Confirmation.isYes(typed));
        return this;
    }

    Result run(String... args) {
        List<String> line = new ArrayList<>();
        if (server != null) {
            line.add("--server");
            line.add(server);
        }
        line.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = new Cli(o, e, confirmation, env, clock).run(line.toArray(String[]::new));
        }
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
