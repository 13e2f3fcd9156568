package io.dtm4j.client.workflow;

import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.protocol.TransStatus;
import java.nio.charset.StandardCharsets;

/**
 * The outcome of one workflow step. Only definitive outcomes are recorded with the server (and
 * replayed on resume): a success with its result bytes, a failure with its reason text. Anything
 * else leaves the step unrecorded, so it runs again when the workflow resumes.
 *
 * @param kind the outcome
 * @param data the result bytes (success) or the reason text as bytes (failure), as recorded
 * @param error the exception to throw for a failure or an unfinished step; null for a success
 */
record StepResult(Kind kind, byte[] data, RuntimeException error) {
    static final byte[] EMPTY = new byte[0];

    /** The three ways a step can end. */
    enum Kind {
        SUCCEEDED,
        FAILED,
        /** ONGOING or a transient error: not recorded. */
        UNFINISHED
    }

    static StepResult succeeded(byte[] data) {
        return new StepResult(Kind.SUCCEEDED, data == null ? EMPTY : data, null);
    }

    static StepResult failed(DtmFailureException error) {
        byte[] reason = reason(error).getBytes(StandardCharsets.UTF_8);
        return new StepResult(Kind.FAILED, reason, error);
    }

    static StepResult unfinished(RuntimeException error) {
        return new StepResult(Kind.UNFINISHED, EMPTY, error);
    }

    /**
     * The result recorded by an earlier run: {@code succeed} replays the bytes, {@code failed}
     * replays a FAILURE whose message is the recorded text.
     */
    static StepResult fromRecord(String branchId, String op, String status, byte[] data) {
        if (TransStatus.SUCCEED.wire().equals(status)) {
            return succeeded(data);
        }
        if (TransStatus.FAILED.wire().equals(status)) {
            return new StepResult(Kind.FAILED, data, new DtmFailureException(new String(data, StandardCharsets.UTF_8)));
        }
        throw new DtmException("workflow progress " + branchId + "-" + op + " has status '" + status
                + "' (expected 'succeed' or 'failed')");
    }

    /** The text recorded for a failure: its message, or its class when it has none. */
    static String reason(DtmFailureException error) {
        return error.getMessage() != null ? error.getMessage() : error.toString();
    }

    /** Whether this outcome is recorded with the server. */
    boolean isDefinitive() {
        return kind != Kind.UNFINISHED;
    }

    /** The status recorded with registerBranch: {@code succeed} or {@code failed}. */
    String wireStatus() {
        return (kind == Kind.SUCCEEDED ? TransStatus.SUCCEED : TransStatus.FAILED).wire();
    }

    /** Returns the result bytes of a success, or throws the step's exception. */
    byte[] value() {
        if (error != null) {
            throw error;
        }
        return data;
    }
}
