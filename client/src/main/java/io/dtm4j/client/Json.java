package io.dtm4j.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** The SDK's one JSON mapper, and the payload conversions every transaction type shares. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    static JsonNode read(String text) {
        try {
            return MAPPER.readTree(text == null || text.isEmpty() ? "null" : text);
        } catch (JsonProcessingException e) {
            throw new DtmException("not JSON: " + text, e);
        }
    }

    static String quote(String text) {
        return write(text);
    }

    /**
     * The body text of a branch payload: a String or byte[] is sent as it is (it is usually JSON
     * already), anything else is written as JSON.
     */
    static String payload(Object payload) {
        if (payload == null) {
            return "";
        }
        if (payload instanceof String s) {
            return s;
        }
        if (payload instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return write(payload);
    }
}
