package io.dtm4j.spring;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.DtmOngoingException;
import io.dtm4j.client.HttpResults;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;

/** What Spring MVC and WebFlux share about branch handlers: which methods are, and how they answer. */
final class BranchHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(BranchHandlers.class);

    private BranchHandlers() {}

    /** A handler method is a branch handler when it takes a {@link BranchIdentity} or is marked {@link DtmBranch}. */
    static boolean isBranchHandler(Method method, Class<?> beanType) {
        return Arrays.asList(method.getParameterTypes()).contains(BranchIdentity.class)
                || AnnotatedElementUtils.hasAnnotation(method, DtmBranch.class)
                || AnnotatedElementUtils.hasAnnotation(beanType, DtmBranch.class);
    }

    /** Whether a request's query carries a branch identity (a call from the server or an application). */
    static boolean isBranchCall(Map<String, ?> query) {
        return query.containsKey("gid") && query.containsKey("trans_type") && query.containsKey("op");
    }

    /**
     * The identity in a request's query.
     *
     * @throws MissingBranchIdentityException when a parameter is missing or empty
     */
    static BranchIdentity identity(Map<String, ?> query) {
        try {
            return BranchIdentity.fromQuery(query);
        } catch (IllegalArgumentException e) {
            throw new MissingBranchIdentityException(e.getMessage());
        }
    }

    /** The status a branch handler answers {@code error} with: 400 for a call without identity, else dtm's. */
    static int statusFor(Throwable error) {
        return error instanceof MissingBranchIdentityException ? 400 : HttpResults.statusFor(error);
    }

    /**
     * {@link #statusFor} for the error of {@code handler}, logged: a warning with the stack for a
     * 500 (the server will call again), a debug line for the protocol's answers.
     */
    static int answerFor(Throwable error, String handler) {
        int status = statusFor(error);
        if (status == 500) {
            LOG.warn("branch handler {} failed; the server will call again: {}", handler, error.toString(), error);
        } else {
            LOG.debug("branch handler {} answers {}: {}", handler, status, error.toString());
        }
        return status;
    }

    /** The outcome tag of a branch call or of a call to the server, by HTTP status. */
    static String outcome(int status) {
        return switch (status) {
            case 200 -> "success";
            case 409 -> "failure";
            case 425 -> "ongoing";
            default -> "error";
        };
    }

    /** Whether an answer to a branch call is one of the protocol's expected outcomes (nothing to log). */
    static boolean expected(Throwable error) {
        return error instanceof DtmFailureException || error instanceof DtmOngoingException;
    }

    /** A branch call whose query lacks gid, trans_type, branch_id or op: answered 400, not retried usefully. */
    static final class MissingBranchIdentityException extends IllegalArgumentException {
        MissingBranchIdentityException(String message) {
            super(message);
        }
    }
}
