package io.dtm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a command works with: the server, the output streams, the {@code --json} choice, the terminal and the clock. */
final class Session {
    final AdminApi api;
    final PrintStream out;
    final PrintStream err;
    final boolean json;
    final Clock clock;
    private final Confirmation confirmation;

    Session(AdminApi api, PrintStream out, PrintStream err, boolean json, Confirmation confirmation, Clock clock) {
        this.api = api;
        this.out = out;
        this.err = err;
        this.json = json;
        this.confirmation = confirmation;
        this.clock = clock;
    }

    /** Prints {@code node} as one line of JSON. */
    void jsonLine(JsonNode node) {
        out.println(node.toString());
    }

    /** Prints a problem with one item of a command that goes on with the others. */
    void problem(String message) {
        err.println("dtm4j-cli: " + message);
    }

    /**
     * Goes on only when {@code yes} (the option {@code --yes}) or the person at the terminal confirms
     * {@code question}: without a terminal it is a usage error, a "no" ends the command with exit 1.
     */
    void confirm(String command, String question, boolean yes) {
        if (yes) {
            return;
        }
        Optional<Boolean> answer = confirmation.ask(question);
        if (answer.isEmpty()) {
            throw Failure.usage(command + " needs --yes when there is no terminal to confirm at; nothing was done");
        }
        if (!answer.get()) {
            throw Failure.refused("not confirmed; nothing was done");
        }
    }

    /** Returns up to five gids for a question, e.g. {@code g1, g2, g3 and 4 more}. */
    static String some(List<String> gids) {
        String first = gids.stream().limit(5).collect(Collectors.joining(", "));
        return gids.size() > 5 ? first + " and " + (gids.size() - 5) + " more" : first;
    }
}
