package io.dtm4j.server.invoke;

import io.dtm4j.protocol.DtmResult;

/**
 * The classified outcome of one call to a business service.
 *
 * @param result SUCCESS, FAILURE or ONGOING; null for a transient error (retried with backoff)
 * @param text the response body or the error description, kept for logs and rollback reasons
 */
public record Outcome(DtmResult result, String text) {

    public static Outcome success(String text) {
        return new Outcome(DtmResult.SUCCESS, text);
    }

    public static Outcome failure(String text) {
        return new Outcome(DtmResult.FAILURE, text);
    }

    public static Outcome ongoing(String text) {
        return new Outcome(DtmResult.ONGOING, text);
    }

    public static Outcome error(String text) {
        return new Outcome(null, text);
    }

    public boolean isSuccess() {
        return result == DtmResult.SUCCESS;
    }

    public boolean isFailure() {
        return result == DtmResult.FAILURE;
    }

    public boolean isOngoing() {
        return result == DtmResult.ONGOING;
    }

    /** Returns true for a transient error: neither SUCCESS, FAILURE nor ONGOING. */
    public boolean isError() {
        return result == null;
    }
}
