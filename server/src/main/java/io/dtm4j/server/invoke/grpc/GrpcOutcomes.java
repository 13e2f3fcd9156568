package io.dtm4j.server.invoke.grpc;

import io.dtm4j.server.invoke.Outcome;
import io.grpc.Status;
import java.util.Locale;

/**
 * Classifies the status a business service answered a gRPC branch call with, as dtm does
 * (docs/protocol.md §1.1, gRPC column). Texts take the form of Go's gRPC errors ({@code rpc error:
 * code = Aborted desc = …}) because they end up in rollback reasons that dtm users already match
 * on.
 */
public final class GrpcOutcomes {
    private GrpcOutcomes() {}

    /** Returns the outcome of a call that ended with {@code status}. */
    public static Outcome classify(Status status) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        return switch (status.getCode()) {
            case OK -> Outcome.success("");
            // legacy RMs (before dtm v1.10) said "not finished yet" with Aborted + message ONGOING
            case ABORTED ->
                description.equals("ONGOING") ? Outcome.ongoing(description) : Outcome.failure(text(status));
            // not finished yet: retry at a fixed interval
            case FAILED_PRECONDITION -> Outcome.ongoing(text(status));
            // Unavailable, DeadlineExceeded, Unknown, Unimplemented…: transient, retry with backoff
            default -> Outcome.error(text(status));
        };
    }

    /** Returns Go's rendering of a gRPC error, e.g. {@code rpc error: code = FailedPrecondition desc = x}. */
    static String text(Status status) {
        String description = status.getDescription() == null ? "" : status.getDescription();
        return "rpc error: code = " + goCodeName(status.getCode()) + " desc = " + description;
    }

    /** Go spells codes in camel case ({@code DeadlineExceeded}), and {@code Canceled} with one l. */
    static String goCodeName(Status.Code code) {
        if (code == Status.Code.OK) {
            return "OK";
        }
        if (code == Status.Code.CANCELLED) {
            return "Canceled";
        }
        StringBuilder b = new StringBuilder();
        for (String word : code.name().split("_")) {
            b.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }
}
