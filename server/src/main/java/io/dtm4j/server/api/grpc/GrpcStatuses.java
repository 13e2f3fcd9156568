package io.dtm4j.server.api.grpc;

import io.dtm4j.server.engine.DtmException;
import io.grpc.Status;

/**
 * Maps engine errors to gRPC statuses as dtm does (docs/protocol.md §5.1): FAILURE → Aborted,
 * ONGOING → FailedPrecondition, other errors → Unknown; the SDKs classify the answer by these
 * codes. A malformed request, which dtm reports as a panic, is InvalidArgument here (SDKs treat it
 * like any other error); anything unexpected is Internal.
 */
final class GrpcStatuses {
    /**
     * The longest status description sent, in chars. The description travels in the
     * {@code grpc-message} trailer, percent-encoded (up to 12 bytes a char); grpc-java clients
     * accept 8 KiB of metadata, and a larger trailer reaches them as INTERNAL instead of the status.
     * Error texts that echo a client's string (a topic name) are cut to fit.
     */
    static final int MAX_DESCRIPTION = 500;

    private GrpcStatuses() {}

    static Status of(DtmException e) {
        Status status = switch (e.kind()) {
            case FAILURE -> Status.ABORTED;
            case ONGOING -> Status.FAILED_PRECONDITION;
            case BAD_REQUEST -> Status.INVALID_ARGUMENT;
            case ERROR -> Status.UNKNOWN;
        };
        return status.withDescription(cut(e.getMessage()));
    }

    static Status unexpected(Throwable e) {
        return Status.INTERNAL
                .withDescription(cut(String.valueOf(e.getMessage())))
                .withCause(e);
    }

    /** Cuts {@code text} to {@link #MAX_DESCRIPTION} chars (not inside a surrogate pair), marked with "…". */
    static String cut(String text) {
        if (text == null || text.length() <= MAX_DESCRIPTION) {
            return text;
        }
        int end = MAX_DESCRIPTION - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "…";
    }
}
