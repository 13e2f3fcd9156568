package io.dtm4j.server.engine;

import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.config.ServerConfig.Admission;
import java.util.List;

/**
 * Checks a transaction request before anything is written, so a bad request never leaves a
 * half-stored transaction behind. Messages name the offending field.
 */
final class TransValidator {
    static final int MAX_GID_LENGTH = 128;
    /** The largest time option (100 years in seconds): larger ones overflow the server's time arithmetic. */
    static final long MAX_SECONDS = 100L * 366 * 24 * 3600;

    private TransValidator() {}

    /** Returns the gid with {@code \n}, {@code \r} and {@code ;} removed, as dtm does. */
    static String gid(String raw) {
        String gid = raw.replace("\n", "").replace("\r", "").replace(";", "");
        if (gid.isEmpty()) {
            throw DtmException.badRequest("gid is missing or empty");
        }
        if (gid.length() > MAX_GID_LENGTH) {
            throw DtmException.badRequest(
                    "gid is " + gid.length() + " characters long, at most " + MAX_GID_LENGTH + " are allowed");
        }
        return gid;
    }

    /** Returns the trans type named by the request; unknown types are a 500, as in dtm. */
    static TransType type(TransRequest request) {
        return TransType.fromWire(request.transType())
                .orElseThrow(() -> DtmException.error("unknow trans type: " + request.transType()
                        + " (expected one of saga, msg, tcc, xa, workflow)"));
    }

    /** Checks that the time options in seconds stay within {@link #MAX_SECONDS}. */
    static void times(TransRequest request) {
        check("timeout_to_fail", request.timeoutToFail());
        check("request_timeout", request.requestTimeout());
        check("retry_interval", request.retryInterval());
    }

    private static void check(String key, long seconds) {
        if (seconds > MAX_SECONDS) {
            throw DtmException.badRequest(key + " is " + seconds + " seconds, at most " + MAX_SECONDS + " are allowed");
        }
    }

    /**
     * Checks the steps of a saga or msg: at most {@code limits.maxSteps()}, one payload per step of at
     * most {@code limits.maxBranchPayload()} bytes, and an action in every step.
     */
    static void steps(TransRequest request, TransType type, Admission limits) {
        if (type != TransType.SAGA && type != TransType.MSG) {
            return;
        }
        int steps = request.steps().size();
        if (steps > limits.maxSteps()) {
            throw DtmException.badRequest("the transaction has " + steps + " steps, at most " + limits.maxSteps()
                    + " are allowed (MaxSteps)");
        }
        List<byte[]> bytes = Payloads.of(request);
        for (int i = 0; i < bytes.size(); i++) {
            payloadSize("payloads[" + i + "]", bytes.get(i).length, limits);
        }
        int payloads = bytes.size();
        if (payloads != steps) {
            throw DtmException.badRequest("steps and payloads do not match: " + steps + " steps but " + payloads
                    + " payloads (one payload per step is required)");
        }
        for (int i = 0; i < steps; i++) {
            var step = request.steps().get(i);
            if (step == null || !step.containsKey("action")) {
                throw DtmException.badRequest("steps[" + i + "] has no 'action'");
            }
        }
    }

    /** Refuses a branch payload over {@code limits.maxBranchPayload()} bytes. */
    static void payloadSize(String what, int bytes, Admission limits) {
        if (bytes > limits.maxBranchPayload()) {
            throw DtmException.badRequest(what + " is " + bytes + " bytes, at most " + limits.maxBranchPayload()
                    + " are allowed (MaxBranchPayload)");
        }
    }
}
