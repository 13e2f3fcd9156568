package io.dtm4j.server.store;

/**
 * A store failed for a technical reason (I/O, connection, corruption). Expected outcomes such as a
 * lost compare-and-set or an existing key are return values, never this exception.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
