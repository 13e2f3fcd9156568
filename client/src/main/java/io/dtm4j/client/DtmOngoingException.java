package io.dtm4j.client;

/**
 * The ONGOING outcome: the work is not finished yet and should be asked again later at the fixed
 * retry interval, without backoff (HTTP 425, or a body containing {@code ONGOING}; gRPC
 * FailedPrecondition).
 */
public class DtmOngoingException extends DtmException {
    /** An exception with {@code message}, which should say what was refused and why. */
    public DtmOngoingException(String message) {
        super(message);
    }
}
