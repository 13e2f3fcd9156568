package io.dtm4j.client.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;

/** Request bodies of recorded steps, and the JSON the engine writes. */
final class Payloads {
    static final ObjectMapper JSON = new ObjectMapper();

    private Payloads() {}

    /** An HTTP body: a String or byte[] is sent as it is (usually JSON already), null as no body, anything else as JSON. */
    static byte[] bytes(Object body) {
        if (body == null) {
            return StepResult.EMPTY;
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request body as JSON: " + e.getMessage(), e);
        }
    }
}
