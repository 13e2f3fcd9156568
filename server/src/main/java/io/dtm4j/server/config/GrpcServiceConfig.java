package io.dtm4j.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code GrpcServiceConfig}, a gRPC service config in JSON such as {@code
 * {"loadBalancingConfig": [{"round_robin":{}}]}}, into the map grpc-java's {@code
 * defaultServiceConfig} takes (numbers as Double, objects as maps, arrays as lists).
 */
public final class GrpcServiceConfig {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GrpcServiceConfig() {}

    /**
     * Parses {@code json}.
     *
     * @throws IllegalArgumentException when it is not a JSON object, or holds a null
     */
    public static Map<String, ?> parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("must be a JSON object: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, ?> config = (Map<String, ?>) value(root);
        return config;
    }

    private static Object value(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), value(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(element -> list.add(value(element)));
            return list;
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        throw new IllegalArgumentException("must not hold null values");
    }
}
