package io.dtm4j.client.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.MessageLite;
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

    /** A gRPC request: a protobuf message's bytes, raw bytes, a String's UTF-8 bytes, or empty for null. */
    static byte[] grpcBytes(Object request) {
        return switch (request) {
            case null -> StepResult.EMPTY;
            case MessageLite message -> message.toByteArray();
            case byte[] bytes -> bytes;
            case String text -> text.getBytes(StandardCharsets.UTF_8);
            default ->
                throw new IllegalArgumentException("a gRPC request is a protobuf message, byte[] or String; got "
                        + request.getClass().getName());
        };
    }
}
