package io.dtm4j.examples;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * The payload of every branch: how many cents move, and optionally the outcome the TransIn side
 * must report, so that an example can make the transfer fail on purpose.
 *
 * @param amount cents, positive
 * @param transInResult {@code FAILURE} to make TransIn (or its try) fail definitively; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record TransferRequest(
        long amount, @JsonProperty("trans_in_result") String transInResult) {
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The amount every example moves. */
    static final long AMOUNT = 30;

    /** A transfer of {@link #AMOUNT} that succeeds. */
    static TransferRequest ok() {
        return new TransferRequest(AMOUNT, null);
    }

    /** A transfer of {@link #AMOUNT} whose TransIn fails definitively. */
    static TransferRequest transInFails() {
        return new TransferRequest(AMOUNT, "FAILURE");
    }

    boolean transInMustFail() {
        return "FAILURE".equals(transInResult);
    }

    /** Parses a request body; a malformed one is a bug of the caller, hence not FAILURE. */
    static TransferRequest parse(String body) {
        try {
            TransferRequest request = JSON.readValue(body, TransferRequest.class);
            if (request.amount() <= 0) {
                throw new IllegalArgumentException("amount must be positive: " + body);
            }
            return request;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a transfer request: " + body, e);
        }
    }

    /** Returns this request as JSON. */
    String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
