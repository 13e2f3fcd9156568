package io.dtm4j.server.invoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Classifies the answer of a business service called over JSON-RPC (docs/protocol.md §6.3): first
 * as an HTTP answer (status code and body keywords), then, when that says SUCCESS, by the JSON-RPC
 * {@code error} member.
 *
 * <p>dtm never recognises the codes -32901 and -32902 (a numeric type mismatch, docs/protocol.md §20.11),
 * so over dtm every JSON-RPC error is a transient error. This classifier honours them:
 * -32901 is a FAILURE (a saga action then rolls back) and -32902 is ONGOING.
 */
public final class JsonRpcOutcomes {
    /** The error code by which a business service reports a definitive failure. */
    public static final int FAILURE_CODE = -32901;
    /** The error code by which a business service reports that the operation is not finished. */
    public static final int ONGOING_CODE = -32902;

    private JsonRpcOutcomes() {}

    /** Returns the outcome of an answer with HTTP {@code status} and {@code body}; never throws. */
    public static Outcome classify(int status, String body, ObjectMapper json) {
        Outcome http = HttpOutcomes.classify(status, body);
        if (!http.isSuccess()) {
            return http; // an HTTP error status or a body keyword decides before the envelope is read
        }
        JsonNode response;
        try {
            response = json.readTree(body);
        } catch (IOException e) {
            response = null;
        }
        if (response == null || !response.isObject()) {
            return Outcome.error("not a JSON-RPC response: " + body);
        }
        JsonNode error = response.get("error");
        if (error == null || error.isNull()) {
            return Outcome.success(body);
        }
        JsonNode code = error.path("code");
        if (code.isIntegralNumber() && code.asLong() == FAILURE_CODE) {
            return Outcome.failure(body);
        }
        if (code.isIntegralNumber() && code.asLong() == ONGOING_CODE) {
            return Outcome.ongoing(body);
        }
        return Outcome.error("JSON-RPC error: " + body); // any other error is transient: retried with backoff
    }
}
