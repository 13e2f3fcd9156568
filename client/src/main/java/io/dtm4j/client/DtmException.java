package io.dtm4j.client;

/**
 * An error of a dtm call or of a business branch that is neither FAILURE nor ONGOING: a transient
 * technical problem (a refused connection, a timeout, a 500). The server retries branches that end
 * this way with backoff. Subclasses name the protocol's definitive outcomes.
 */
public class DtmException extends RuntimeException {
    /** An exception with {@code message}, which should say what went wrong and where. */
    public DtmException(String message) {
        super(message);
    }

    /** An exception with {@code message}, caused by {@code cause}. */
    public DtmException(String message, Throwable cause) {
        super(message, cause);
    }
}
