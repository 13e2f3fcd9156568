package io.dtm4j.protocol;

/**
 * The three named results of the protocol. A fourth outcome, a transient error, has no name: it is
 * anything that is not one of these.
 */
public enum DtmResult {
    /** Done. HTTP 200. */
    SUCCESS(200),
    /** Definitive business failure, do not retry. HTTP 409. */
    FAILURE(409),
    /** Not finished yet, retry later at a fixed interval. HTTP 425. */
    ONGOING(425);

    private final int httpStatus;

    DtmResult(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** Returns the HTTP status that signals this result. */
    public int httpStatus() {
        return httpStatus;
    }
}
