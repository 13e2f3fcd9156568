package io.dtm4j.cli;

import static io.dtm4j.cli.TransactionCommands.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code parked ...}: transactions whose retry budget ran out, no longer called until replayed or
 * stopped (dtm4j only; docs/observability.md#parking).
 */
final class ParkedCommands {
    /** The server takes at most this many gids per replay or stop request. */
    private static final int GIDS_PER_REQUEST = 1000;

    private ParkedCommands() {}

    static List<Command> all() {
        return List.of(
                new Command(
                        "parked list",
                        "parked list [--limit N] [--all]",
                        "Lists parked transactions, most recently parked first: gid, type, status, when and why"
                                + " parked, the failing branch and its last error.",
                        """
                        Options:
                          --limit N   entries per page, default 100; without --all only the first page
                          --all       every page
                        ERROR is the last error of BRANCH. --json prints each entry as the server answers it
                        ({"transaction":{…},"reason","branch","error","retries","parked_at"}), one per line.
                        """,
                        Set.of("--limit"),
                        Set.of("--all"),
                        ParkedCommands::list),
                new Command(
                        "parked replay",
                        "parked replay GID...",
                        "Replays parked transactions: each becomes due now with a fresh retry budget, and its"
                                + " next round resumes it where it stopped.",
                        "A gid that is unknown, finished or not parked is reported as \"not parked\" and makes the"
                                + " exit code 1.\nWith --json, prints the server's answer {\"results\":{gid:\"done\"|"
                                + "\"not_parked\"}}.",
                        Set.of(),
                        Set.of(),
                        ParkedCommands::replay),
                new Command(
                        "parked stop",
                        "parked stop GID... [--yes]",
                        "Force-stops parked transactions: they end failed, nothing is compensated.",
                        """
                        Asks for confirmation at a terminal; --yes does not ask. Without a terminal and without
                        --yes, nothing is stopped and the exit code is 2. A gid that is not parked is reported
                        as "not parked" and makes the exit code 1. With --json, prints the server's answer.
                        """,
                        Set.of(),
                        Set.of("--yes"),
                        ParkedCommands::stop));
    }

    static int list(Session s, Args a) {
        a.atMost(0);
        int limit = a.positiveInt("--limit", 100);
        Table table = new Table("GID", "TYPE", "STATUS", "PARKED AT", "RETRIES", "REASON", "BRANCH", "ERROR");
        String position = "";
        do {
            JsonNode page = s.api.parked(position, limit);
            for (JsonNode p : page.path("parked")) {
                if (s.json) {
                    s.jsonLine(p);
                    continue;
                }
                JsonNode t = p.path("transaction");
                table.row(
                        text(t, "gid"),
                        text(t, "trans_type"),
                        text(t, "status"),
                        text(p, "parked_at"),
                        text(p, "retries"),
                        text(p, "reason"),
                        text(p, "branch"),
                        error(p));
            }
            position = page.path("next_position").asText("");
        } while (a.flag("--all") && !position.isEmpty());
        if (!s.json) {
            if (table.isEmpty()) {
                s.out.println("no parked transactions");
            } else {
                table.print(s.out);
            }
            if (!position.isEmpty()) {
                s.err.println("(more parked transactions: --all lists every page)");
            }
        }
        return 0;
    }

    /** Returns the last error without the "error calling <branch>: " the server puts first (BRANCH shows it). */
    private static String error(JsonNode p) {
        String error = text(p, "error");
        String prefix = "error calling " + text(p, "branch") + ": ";
        return error.startsWith(prefix) ? error.substring(prefix.length()) : error;
    }

    static int replay(Session s, Args a) {
        return act(s, a.atLeastOne(0, "GID"), s.api::replayParked, "replayed: due now");
    }

    static int stop(Session s, Args a) {
        List<String> gids = a.atLeastOne(0, "GID");
        s.confirm(
                "parked stop",
                "Force-stop the parked " + Session.some(gids)
                        + "? A stopped transaction ends failed; nothing is compensated.",
                a.flag("--yes"));
        return act(s, gids, s.api::stopParked, "stopped (failed)");
    }

    /** Sends the gids in requests of at most 1,000; prints each gid's result; exit 1 if one was not parked. */
    private static int act(Session s, List<String> gids, Function<List<String>, JsonNode> call, String done) {
        int exit = 0;
        for (int from = 0; from < gids.size(); from += GIDS_PER_REQUEST) {
            List<String> chunk = gids.subList(from, Math.min(gids.size(), from + GIDS_PER_REQUEST));
            JsonNode answer = call.apply(chunk);
            if (s.json) {
                s.jsonLine(answer);
            }
            for (String gid : chunk.stream().distinct().toList()) {
                String result = text(answer.path("results"), gid);
                boolean ok = result.equals("done");
                if (!ok) {
                    exit = Failure.REFUSED;
                }
                if (s.json) {
                    continue;
                }
                if (ok) {
                    s.out.println(gid + ": " + done);
                } else if (result.equals("not_parked")) {
                    s.problem(gid + ": not parked (unknown gid, finished, or not parked now)");
                } else {
                    s.problem(gid + ": " + (result.isEmpty() ? "no result from the server" : result));
                }
            }
        }
        return exit;
    }
}
