package io.dtm4j.client;

import io.dtm4j.protocol.DtmResult;

/**
 * The protocol's rules for HTTP results, in both directions: reading a response of the server or of
 * a business service, and choosing the status a business handler answers with.
 */
public final class HttpResults {
    private HttpResults() {}

    /**
     * Classifies a response the way dtm does: 425 or a body containing {@code ONGOING} is ONGOING;
     * then 409 or a body containing {@code FAILURE} is FAILURE; then any other non-200 status is an
     * error; anything else is success, whatever the body.
     *
     * @throws DtmFailureException when the outcome is FAILURE
     * @throws DtmOngoingException when the outcome is ONGOING
     * @throws DtmException when the outcome is another error
     */
    public static void check(int status, String body) {
        String text = body == null ? "" : body;
        if (status == DtmResult.ONGOING.httpStatus() || text.contains("ONGOING")) {
            throw new DtmOngoingException(message(status, text));
        }
        if (status == DtmResult.FAILURE.httpStatus() || text.contains("FAILURE")) {
            throw new DtmFailureException(message(status, text));
        }
        if (status != 200) {
            throw new DtmException(message(status, text));
        }
    }

    /**
     * The HTTP status a business handler answers with for {@code error} (null = success): 200, 409
     * for FAILURE (a duplicated message counts as FAILURE), 425 for ONGOING, 500 otherwise.
     */
    public static int statusFor(Throwable error) {
        if (error == null) {
            return 200;
        }
        if (error instanceof DtmOngoingException) {
            return DtmResult.ONGOING.httpStatus();
        }
        if (error instanceof DtmFailureException || error instanceof DtmDuplicatedException) {
            return DtmResult.FAILURE.httpStatus();
        }
        return 500;
    }

    /**
     * The JSON body to send with {@link #statusFor}: {@code {"dtm_result":"SUCCESS"}} on success,
     * else the error text with the result word that old clients look for in the body.
     */
    public static String bodyFor(Throwable error) {
        if (error == null) {
            return "{\"dtm_result\":\"SUCCESS\"}";
        }
        String word = switch (statusFor(error)) {
            case 409 -> "FAILURE";
            case 425 -> "ONGOING";
            default -> "";
        };
        String text = String.valueOf(error.getMessage());
        String result = word.isEmpty() ? "" : ",\"dtm_result\":\"" + word + "\"";
        return "{\"error\":" + Json.quote(text) + result + "}";
    }

    private static String message(int status, String body) {
        return "http status " + status + ": " + body;
    }
}
