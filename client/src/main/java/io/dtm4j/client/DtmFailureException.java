package io.dtm4j.client;

/**
 * The FAILURE outcome: a definitive business failure that must not be retried (HTTP 409, or a body
 * containing {@code FAILURE}; gRPC Aborted). Thrown by a branch handler, it makes a saga compensate
 * and a TCC or XA global transaction abort.
 */
public class DtmFailureException extends DtmException {
    /** An exception with {@code message}, which should say what was refused and why. */
    public DtmFailureException(String message) {
        super(message);
    }
}
