package io.dtm4j.client;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * The protocol's rules for gRPC results (docs/protocol.md §1.1, gRPC column), in both directions:
 * reading the status of a call to the server or a business service, and choosing the status a gRPC
 * business handler answers with.
 *
 * <pre>{@code
 * try {
 *     barrier.callWithDb(db, tx -> debit(tx, request));
 *     out.onNext(Empty.getDefaultInstance());
 *     out.onCompleted();
 * } catch (Exception e) {
 *     out.onError(GrpcResults.exceptionFor(e));   // FAILURE → ABORTED, ONGOING → FAILED_PRECONDITION
 * }
 * }</pre>
 */
public final class GrpcResults {
    /** The description by which a pre-v1.10 handler said ONGOING with code ABORTED. */
    private static final String LEGACY_ONGOING = "ONGOING";

    private GrpcResults() {}

    /**
     * Classifies a call's status the way dtm does: OK is success; ABORTED is FAILURE, unless its
     * description is exactly {@code ONGOING} (legacy); FAILED_PRECONDITION is ONGOING; any other code
     * is an error.
     *
     * @throws DtmFailureException when the outcome is FAILURE
     * @throws DtmOngoingException when the outcome is ONGOING
     * @throws DtmException when the outcome is another error
     */
    public static void check(Status status) {
        if (!status.isOk()) {
            throw exceptionOf(status, "grpc");
        }
    }

    /**
     * The status a gRPC business handler answers with for {@code error} (null = success): ABORTED
     * for FAILURE (a duplicated message counts as FAILURE), FAILED_PRECONDITION for ONGOING, the
     * error's own status for a gRPC status exception, UNKNOWN otherwise; with the error text as
     * description.
     */
    public static Status statusFor(Throwable error) {
        return switch (error) {
            case null -> Status.OK;
            case StatusRuntimeException e -> e.getStatus();
            case StatusException e -> e.getStatus();
            case DtmOngoingException e -> Status.FAILED_PRECONDITION.withDescription(e.getMessage());
            case DtmFailureException e -> Status.ABORTED.withDescription(e.getMessage());
            case DtmDuplicatedException e -> Status.ABORTED.withDescription(e.getMessage());
            default ->
                Status.UNKNOWN
                        .withDescription(String.valueOf(error.getMessage()))
                        .withCause(error);
        };
    }

    /**
     * {@link #statusFor} as an exception to pass to {@code StreamObserver.onError}.
     *
     * @throws IllegalArgumentException when {@code error} is null (success has no exception)
     */
    public static StatusRuntimeException exceptionFor(Throwable error) {
        if (error == null) {
            throw new IllegalArgumentException("success has no status exception");
        }
        return statusFor(error).asRuntimeException();
    }

    /**
     * The SDK exception for a non-OK {@code status} of the call described by {@code what}; like dtm's
     * Go SDK, a FAILURE or ONGOING text is the description followed by {@code . FAILURE} or {@code .
     * ONGOING}, which is what a TCC abort then sends as rollback reason.
     */
    static DtmException exceptionOf(Status status, String what) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        String prefix = what + ": ";
        return switch (status.getCode()) {
            case ABORTED ->
                LEGACY_ONGOING.equals(description)
                        ? new DtmOngoingException(prefix + LEGACY_ONGOING)
                        : new DtmFailureException(prefix + description + ". FAILURE");
            case FAILED_PRECONDITION -> new DtmOngoingException(prefix + description + ". ONGOING");
            default ->
                new DtmException(prefix + "grpc " + status.getCode() + ": " + description, status.asRuntimeException());
        };
    }
}
