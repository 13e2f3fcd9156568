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
    private GrpcStatuses() {}

    static Status of(DtmException e) {
        Status status = switch (e.kind()) {
            case FAILURE -> Status.ABORTED;
            case ONGOING -> Status.FAILED_PRECONDITION;
            case BAD_REQUEST -> Status.INVALID_ARGUMENT;
            case ERROR -> Status.UNKNOWN;
        };
        return status.withDescription(e.getMessage());
    }

    static Status unexpected(Throwable e) {
        return Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).withCause(e);
    }
}
