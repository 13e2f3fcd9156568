package io.dtm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** {@code list}, {@code show}, {@code retry} and {@code stop}: global transactions. */
final class TransactionCommands {
    static final List<String> STATUSES = List.of("prepared", "submitted", "aborting", "succeed", "failed");
    static final List<String> TYPES = List.of("saga", "msg", "tcc", "xa", "workflow");

    private TransactionCommands() {}

    static List<Command> all() {
        return List.of(
                new Command(
                        "list",
                        "list [--status S] [--type T] [--gid G | --gid-prefix P] [--since TIME] [--until TIME]"
                                + " [--limit N] [--all]",
                        "Lists transactions, newest first: gid, type, status, creation time, next retry, protocol.",
                        """
                        Options:
                          --status S     prepared, submitted, aborting, succeed or failed
                          --type T       saga, msg, tcc, xa or workflow
                          --gid G        only this transaction
                          --gid-prefix P gids starting with P (dtm4j servers)
                          --since TIME   created at or after TIME
                          --until TIME   created at or before TIME
                          --limit N      transactions per page, default 100; without --all only the first page
                          --all          every page
                        TIME is ISO-8601 (2026-05-04T10:00:00Z, 2026-05-04T10:00:00+08:00; 2026-05-04T10:00 and
                        2026-05-04 are local time) or an age: 90s, 15m, 2h, 3d ago. The server compares whole seconds.
                        NEXT RETRY is "-" for finished transactions and "parked" for parked ones.
                        With --json, each transaction is printed as the server's JSON object, one per line.
                        """,
                        Set.of("--status", "--type", "--gid", "--gid-prefix", "--since", "--until", "--limit"),
                        Set.of("--all"),
                        TransactionCommands::list),
                new Command(
                        "show",
                        "show GID",
                        "Shows a transaction's fields, its branches and (dtm4j servers) their last unsuccessful calls.",
                        "With --json, prints the server's answer unchanged: {\"transaction\":{…},\"branches\":[…]}.\n"
                                + "An unknown gid ends with exit code 1.",
                        Set.of(),
                        Set.of(),
                        TransactionCommands::show),
                new Command(
                        "retry",
                        "retry GID...",
                        "Makes transactions due now: the scheduler runs their next round at its next pass,"
                                + " instead of after their retry interval.",
                        "Any status is accepted (the server's resetNextCronTime); a finished transaction stays"
                                + " finished.\nWith --json, prints one line per gid: {\"gid\":…} and the server's answer.",
                        Set.of(),
                        Set.of(),
                        TransactionCommands::retry),
                new Command(
                        "stop",
                        "stop GID... [--yes]",
                        "Force-stops transactions: they end failed, no branch is called, nothing is compensated.",
                        """
                        Asks for confirmation at a terminal; --yes does not ask. Without a terminal (a script, a
                        pipe) and without --yes, nothing is stopped and the exit code is 2.
                        A finished transaction cannot be stopped: the server refuses (exit code 1).
                        With --json, prints one line per gid: {"gid":…} and the server's answer.
                        """,
                        Set.of(),
                        Set.of("--yes"),
                        TransactionCommands::stop));
    }

    static int list(Session s, Args a) {
        a.atMost(0);
        String gid = a.value("--gid").orElse("");
        String status =
                a.value("--status").map(v -> oneOf("--status", v, STATUSES)).orElse("");
        String type = a.value("--type").map(v -> oneOf("--type", v, TYPES)).orElse("");
        Instant since =
                a.value("--since").map(v -> Times.parse("--since", v, s.clock)).orElse(null);
        Instant until =
                a.value("--until").map(v -> Times.parse("--until", v, s.clock)).orElse(null);
        int limit = a.positiveInt("--limit", 100);
        boolean all = a.flag("--all");

        Map<String, String> filter = new LinkedHashMap<>();
        putIfSet(filter, "gid", gid);
        putIfSet(filter, "gidPrefix", a.value("--gid-prefix").orElse(""));
        putIfSet(filter, "status", status);
        putIfSet(filter, "transType", type);
        if (since != null) {
            filter.put("createTimeStart", Long.toString(since.toEpochMilli()));
        }
        if (until != null) {
            filter.put("createTimeEnd", Long.toString(until.toEpochMilli()));
        }

        Table table = new Table("GID", "TYPE", "STATUS", "CREATED", "NEXT RETRY", "PROTOCOL");
        String position = "";
        do {
            JsonNode page = s.api.all(filter, position, limit);
            for (JsonNode t : page.path("transactions")) {
                // with a gid the server ignores the other filters: they apply here
                if (!gid.isEmpty() && !matches(t, status, type, since, until)) {
                    continue;
                }
                if (s.json) {
                    s.jsonLine(t);
                } else {
                    table.row(
                            text(t, "gid"),
                            text(t, "trans_type"),
                            text(t, "status"),
                            text(t, "create_time"),
                            nextRetry(t),
                            text(t, "protocol"));
                }
            }
            position = gid.isEmpty() ? page.path("next_position").asText("") : "";
        } while (all && !position.isEmpty());

        if (!s.json) {
            if (table.isEmpty()) {
                s.out.println("no transactions");
            } else {
                table.print(s.out);
            }
            if (!position.isEmpty()) {
                s.err.println("(more transactions: --all lists every page)");
            }
        }
        return 0;
    }

    static int show(Session s, Args a) {
        String gid = a.atMost(1).positional(0, "GID");
        JsonNode answer = s.api.query(gid);
        JsonNode t = answer.path("transaction");
        if (s.json) {
            s.jsonLine(answer);
        }
        if (!t.isObject()) {
            throw Failure.refused("no transaction with gid " + gid);
        }
        if (s.json) {
            return 0;
        }
        int width = 0;
        for (var e : t.properties()) {
            width = Math.max(width, e.getKey().length());
        }
        for (var e : t.properties()) {
            String key = e.getKey();
            if (key.equals("concurrent")) { // always false: the options live in "options"
                continue;
            }
            String value = e.getValue().isTextual()
                    ? e.getValue().asText()
                    : e.getValue().toString();
            if (key.equals("next_cron_time") && nextRetry(t).equals("parked")) {
                value += " (parked)";
            } else if (key.equals("next_cron_interval")) {
                value += " s";
            }
            s.out.println(key + " ".repeat(width - key.length() + 2) + value);
        }
        s.out.println();
        Table branches = new Table("BRANCH", "OP", "STATUS", "URL", "UPDATED");
        for (JsonNode b : answer.path("branches")) {
            branches.row(
                    text(b, "branch_id"), text(b, "op"), text(b, "status"), text(b, "url"), text(b, "update_time"));
        }
        if (branches.isEmpty()) {
            s.out.println("no branches");
        } else {
            branches.print(s.out);
        }
        printAttempts(s, gid);
        return 0;
    }

    /** The last unsuccessful calls of each branch; nothing against a server without them (dtm). */
    private static void printAttempts(Session s, String gid) {
        JsonNode attempts;
        try {
            attempts = s.api.attempts(gid).path("attempts");
        } catch (Failure f) {
            return;
        }
        if (attempts.isEmpty()) {
            return;
        }
        s.out.println();
        Table calls = new Table("BRANCH", "AT", "MS", "OUTCOME", "ANSWER");
        for (var branch : attempts.properties()) {
            for (JsonNode c : branch.getValue()) {
                calls.row(branch.getKey(), text(c, "at"), text(c, "ms"), text(c, "outcome"), text(c, "error"));
            }
        }
        s.out.println("last unsuccessful calls:");
        calls.print(s.out);
    }

    static int retry(Session s, Args a) {
        List<String> gids = a.atLeastOne(0, "GID");
        return eachGid(s, gids, s.api::resetNextCronTime, "due now");
    }

    static int stop(Session s, Args a) {
        List<String> gids = a.atLeastOne(0, "GID");
        s.confirm(
                "stop",
                "Force-stop " + Session.some(gids) + "? A stopped transaction ends failed; nothing is compensated.",
                a.flag("--yes"));
        return eachGid(s, gids, s.api::forceStop, "stopped (failed)");
    }

    /**
     * Calls {@code call} for each gid, printing {@code done} or the server's refusal; a refusal of one
     * gid does not stop the others, and makes the exit code 1. An unreachable server ends at once.
     */
    private static int eachGid(Session s, List<String> gids, Function<String, JsonNode> call, String done) {
        int exit = 0;
        for (String gid : gids) {
            try {
                JsonNode answer = call.apply(gid);
                if (s.json) {
                    ObjectNode line = JsonNodeFactory.instance.objectNode().put("gid", gid);
                    line.setAll((ObjectNode) answer);
                    s.jsonLine(line);
                } else {
                    s.out.println(gid + ": " + done);
                }
            } catch (Failure f) {
                if (f.exitCode() != Failure.REFUSED) {
                    throw f;
                }
                s.problem(gid + ": " + f.getMessage());
                exit = Failure.REFUSED;
            }
        }
        return exit;
    }

    /** Returns what NEXT RETRY shows: the next cron time, "-" when finished, "parked" when parked. */
    static String nextRetry(JsonNode t) {
        String status = text(t, "status");
        String next = text(t, "next_cron_time");
        if (status.equals("succeed") || status.equals("failed")) {
            return "-";
        }
        return Times.isParkedTime(next) ? "parked" : next;
    }

    private static boolean matches(JsonNode t, String status, String type, Instant since, Instant until) {
        if (!status.isEmpty() && !status.equals(text(t, "status"))) {
            return false;
        }
        if (!type.isEmpty() && !type.equals(text(t, "trans_type"))) {
            return false;
        }
        if (since == null && until == null) {
            return true;
        }
        Instant created;
        try {
            created = OffsetDateTime.parse(text(t, "create_time")).toInstant();
        } catch (DateTimeParseException e) {
            return false;
        }
        return (since == null || !created.isBefore(since.truncatedTo(ChronoUnit.SECONDS)))
                && (until == null || !created.isAfter(until.truncatedTo(ChronoUnit.SECONDS)));
    }

    static String text(JsonNode n, String key) {
        return n.path(key).asText("");
    }

    private static String oneOf(String option, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw Failure.usage(option + " must be one of " + String.join(", ", allowed) + ", not '" + value + "'");
        }
        return value;
    }

    private static void putIfSet(Map<String, String> m, String key, String value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }
}
