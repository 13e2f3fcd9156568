package io.dtm4j.server.engine;

/**
 * An error answered to a client. Its kind decides the HTTP status and the {@code dtm_result} of the
 * response; its message is the text clients see (dtm's texts where dtm has one).
 */
public final class DtmException extends RuntimeException {

    /** How the error is reported. */
    public enum Kind {
        /** 400: the request itself is malformed; nothing was written. */
        BAD_REQUEST(400),
        /** 409 with {@code dtm_result: FAILURE}: the request conflicts with the stored state. */
        FAILURE(409),
        /** 425 with {@code dtm_result: ONGOING}. */
        ONGOING(425),
        /** 500: anything else, including store errors. */
        ERROR(500);

        private final int httpStatus;

        Kind(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Kind kind;

    public DtmException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DtmException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static DtmException badRequest(String message) {
        return new DtmException(Kind.BAD_REQUEST, message);
    }

    /** A conflict; dtm appends the word FAILURE to such messages, and so does this. */
    public static DtmException failure(String message) {
        return new DtmException(Kind.FAILURE, message + " FAILURE");
    }

    public static DtmException ongoing(String message) {
        return new DtmException(Kind.ONGOING, message);
    }

    public static DtmException error(String message) {
        return new DtmException(Kind.ERROR, message);
    }

    public Kind kind() {
        return kind;
    }
}
