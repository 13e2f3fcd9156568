package io.dtm4j.server.invoke;

/**
 * Classifies an HTTP response of a business service the way dtm does. The body keywords win over
 * the status code because RMs written before dtm v1.10 answer 200 with {@code
 * {"dtm_result":"FAILURE"}}, and the order of the checks is part of the contract.
 */
public final class HttpOutcomes {
    private HttpOutcomes() {}

    public static Outcome classify(int status, String body) {
        if (status == 425 || body.contains("ONGOING")) {
            return Outcome.ongoing(body); // not finished: retry at a fixed interval
        }
        if (status == 409 || body.contains("FAILURE")) {
            return Outcome.failure(body); // definitive business failure
        }
        if (status != 200) {
            return Outcome.error("HTTP " + status + ": " + body); // transient: retry with backoff
        }
        return Outcome.success(body); // any 200 without the keywords, even an empty body
    }
}
