package io.dtm4j.faults.bank;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The body of every bank operation: which account of the called bank, and how many cents. Sent as
 * JSON over HTTP and as the same JSON's UTF-8 bytes over gRPC.
 *
 * @param account an account of the called bank
 * @param amount cents, positive
 */
public record BranchPayload(int account, long amount) {
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public BranchPayload {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive, not " + amount);
        }
    }

    /** Parses a body; a malformed one is the caller's bug, hence an error, not FAILURE. */
    public static BranchPayload parse(byte[] body) {
        try {
            return JSON.readValue(body, BranchPayload.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a branch payload: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }

    public String json() {
        return "{\"account\":" + account + ",\"amount\":" + amount + "}";
    }
}
