package io.dtm4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/** {@code nodes}: the server nodes sharing the store (dtm4j servers only). */
final class NodeCommands {
    private NodeCommands() {}

    static List<Command> all() {
        return List.of(new Command(
                "nodes",
                "nodes",
                "Lists the server nodes sharing the store, the answering one first.",
                """
                ALIVE is "no" once a node's heartbeat (every 5 s) is 30 s old: killed, paused or cut off.
                With --json, each node is printed as the server's JSON object, one per line.
                """,
                Set.of(),
                Set.of(),
                NodeCommands::nodes));
    }

    static int nodes(Session s, Args a) {
        a.atMost(0);
        JsonNode nodes = s.api.nodes().path("nodes");
        if (s.json) {
            nodes.forEach(s::jsonLine);
            return 0;
        }
        Table table = new Table("ID", "HOST", "HTTP", "GRPC", "VERSION", "STARTED", "HEARTBEAT", "ROUNDS", "ALIVE");
        for (JsonNode n : nodes) {
            table.row(
                    TransactionCommands.text(n, "id"),
                    TransactionCommands.text(n, "host"),
                    TransactionCommands.text(n, "http_port"),
                    TransactionCommands.text(n, "grpc_port"),
                    TransactionCommands.text(n, "version"),
                    TransactionCommands.text(n, "started_at"),
                    TransactionCommands.text(n, "heartbeat_at"),
                    TransactionCommands.text(n, "rounds_in_progress"),
                    n.path("alive").asBoolean() ? "yes" : "no");
        }
        table.print(s.out);
        return 0;
    }
}
