package io.dtm4j.client;

/**
 * A two-phase message's local transaction found its barrier row already written: the check-back
 * ran first and decided that the message is rolled back, so the local business did not run and
 * must not run.
 */
public class DtmDuplicatedException extends DtmException {
    /** An exception with {@code message}, which should say what was refused and why. */
    public DtmDuplicatedException(String message) {
        super(message);
    }
}
