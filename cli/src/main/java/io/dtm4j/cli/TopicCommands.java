package io.dtm4j.cli;

import static io.dtm4j.cli.TransactionCommands.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * {@code topics ...}: the topics of two-phase messages, whose {@code topic://<name>} steps fan out to
 * every subscribed URL (docs/protocol.md §10). Topics are the kv entries of category {@code topics}.
 */
final class TopicCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TopicCommands() {}

    static List<Command> all() {
        return List.of(
                new Command(
                        "topics list",
                        "topics list",
                        "Lists the topics with their number of subscribers and version.",
                        "With --json, prints each topic's kv entry as the server answers it, one per line;"
                                + " its \"v\" is the JSON text of the subscribers.",
                        Set.of(),
                        Set.of(),
                        TopicCommands::list),
                new Command(
                        "topics show",
                        "topics show TOPIC",
                        "Lists a topic's subscribers: URL and remark.",
                        "An unknown topic ends with exit code 1. With --json, prints the topic's kv entry.",
                        Set.of(),
                        Set.of(),
                        TopicCommands::show),
                new Command(
                        "topics subscribe",
                        "topics subscribe TOPIC URL [REMARK]",
                        "Subscribes URL to TOPIC, creating the topic if needed.",
                        "A msg step topic://TOPIC then calls URL. The server refuses a URL already subscribed.",
                        Set.of(),
                        Set.of(),
                        TopicCommands::subscribe),
                new Command(
                        "topics unsubscribe",
                        "topics unsubscribe TOPIC URL",
                        "Removes URL from TOPIC's subscribers; the topic stays, possibly with none.",
                        "",
                        Set.of(),
                        Set.of(),
                        TopicCommands::unsubscribe),
                new Command(
                        "topics delete",
                        "topics delete TOPIC",
                        "Deletes TOPIC and its subscribers.",
                        "A msg naming it is then refused with \"topic not found\".",
                        Set.of(),
                        Set.of(),
                        TopicCommands::delete));
    }

    static int list(Session s, Args a) {
        a.atMost(0);
        Table table = new Table("TOPIC", "SUBSCRIBERS", "VERSION");
        String position = "";
        do {
            JsonNode page = s.api.topics(position);
            for (JsonNode kv : page.path("kv")) {
                if (s.json) {
                    s.jsonLine(kv);
                } else {
                    table.row(text(kv, "k"), Integer.toString(subscribers(kv).size()), text(kv, "version"));
                }
            }
            position = page.path("next_position").asText("");
        } while (!position.isEmpty());
        if (!s.json) {
            if (table.isEmpty()) {
                s.out.println("no topics");
            } else {
                table.print(s.out);
            }
        }
        return 0;
    }

    static int show(Session s, Args a) {
        String topic = nonEmpty(a.atMost(1).positional(0, "TOPIC"), "TOPIC");
        JsonNode entries = s.api.topic(topic).path("kv");
        if (entries.isEmpty()) {
            throw Failure.refused("no topic " + topic);
        }
        JsonNode kv = entries.get(0);
        if (s.json) {
            s.jsonLine(kv);
            return 0;
        }
        Table table = new Table("URL", "REMARK");
        subscribers(kv).forEach(sub -> table.row(text(sub, "url"), text(sub, "remark")));
        if (table.isEmpty()) {
            s.out.println("topic " + topic + " has no subscribers");
        } else {
            table.print(s.out);
        }
        return 0;
    }

    static int subscribe(Session s, Args a) {
        a.atMost(3);
        String topic = nonEmpty(a.positional(0, "TOPIC"), "TOPIC");
        String url = nonEmpty(a.positional(1, "URL"), "URL");
        String remark = a.positionals().size() > 2 ? a.positionals().get(2) : "";
        done(s, s.api.subscribe(topic, url, remark), "subscribed " + url + " to " + topic);
        return 0;
    }

    static int unsubscribe(Session s, Args a) {
        a.atMost(2);
        String topic = nonEmpty(a.positional(0, "TOPIC"), "TOPIC");
        String url = nonEmpty(a.positional(1, "URL"), "URL");
        done(s, s.api.unsubscribe(topic, url), "unsubscribed " + url + " from " + topic);
        return 0;
    }

    static int delete(Session s, Args a) {
        String topic = nonEmpty(a.atMost(1).positional(0, "TOPIC"), "TOPIC");
        done(s, s.api.deleteTopic(topic), "deleted topic " + topic);
        return 0;
    }

    private static void done(Session s, JsonNode answer, String message) {
        if (s.json) {
            s.jsonLine(answer);
        } else {
            s.out.println(message);
        }
    }

    /** Returns the subscribers of a topic's kv entry: its value is the JSON text of an array of {url, remark}. */
    private static JsonNode subscribers(JsonNode kv) {
        try {
            JsonNode list = JSON.readTree(text(kv, "v"));
            return list != null && list.isArray() ? list : JSON.createArrayNode();
        } catch (IOException e) {
            return JSON.createArrayNode();
        }
    }

    private static String nonEmpty(String value, String what) {
        if (value.isBlank()) {
            throw Failure.usage(what + " must not be empty");
        }
        return value;
    }
}
