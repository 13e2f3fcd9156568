package io.dtm4j.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code custom_data}, the JSON text that carries saga concurrency ({@code
 * {"concurrent":true,"orders":{"1":[0]}}}) and msg delay ({@code {"delay":10}}).
 */
public final class CustomData {
    private final ObjectMapper json;

    public CustomData(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Returns the saga plan for {@code steps} steps.
     *
     * @throws DtmException (bad request) when the text is not JSON or an order names a step that
     *     does not exist
     */
    public SagaPlan sagaPlan(String customData, int steps) {
        JsonNode root = parse(customData);
        boolean concurrent = root.path("concurrent").asBoolean(false);
        Map<Integer, List<Integer>> orders = new HashMap<>();
        for (var entry : root.path("orders").properties()) {
            int step = stepIndex(entry.getKey(), steps);
            List<Integer> pres = new ArrayList<>();
            for (JsonNode pre : entry.getValue()) {
                pres.add(stepIndex(pre.asText(), steps));
            }
            orders.put(step, pres);
        }
        return new SagaPlan(steps, concurrent, orders);
    }

    /** Returns the msg delay in seconds, 0 when none. */
    public long msgDelay(String customData) {
        return Math.max(0, parse(customData).path("delay").asLong(0));
    }

    /** A workflow's name and input, from {@code {"name":"wf","data":"<base64>"}}. */
    public record Workflow(String name, byte[] input) {}

    /** Returns the workflow name and its decoded input (empty when absent or not base64). */
    public Workflow workflow(String customData) {
        JsonNode root = parse(customData);
        byte[] input;
        try {
            input = Base64.getDecoder().decode(root.path("data").asText(""));
        } catch (IllegalArgumentException e) {
            input = new byte[0];
        }
        return new Workflow(root.path("name").asText(""), input);
    }

    private JsonNode parse(String customData) {
        if (customData.isEmpty()) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(customData);
        } catch (Exception e) {
            throw DtmException.badRequest("custom_data is not valid JSON: " + customData);
        }
    }

    private static int stepIndex(String text, int steps) {
        try {
            int index = Integer.parseInt(text.trim());
            if (index >= 0 && index < steps) {
                return index;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw DtmException.badRequest(
                "custom_data orders refer to step '" + text + "', but the saga has steps 0.." + (steps - 1));
    }
}
