package io.dtm4j.client.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.HttpResults;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The workflow engine: workflows registered by name, executed as dtm workflow transactions over
 * HTTP. A workflow's code runs in the application; the server stores what each step recorded and,
 * while the workflow is unfinished, calls the application back on its resume URL, whose handler
 * passes the call to {@link #resume} (or {@link #executeByQuery}) to run the workflow again.
 *
 * <pre>{@code
 * Workflows workflows = Workflows.http(dtm, "http://app:8081/api/workflow/resume");
 * workflows.register("transfer", (wf, data) -> { ... });
 * byte[] result = workflows.execute("transfer", dtm.newGid(), input);
 * }</pre>
 *
 * <p>Register every workflow at start-up, before the server can call back. Thread-safe: several
 * workflows (not the same gid) may execute at once.
 */
public final class Workflows {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private record Registration(WorkflowHandler handler, Set<WorkflowOption> options) {}

    private final WorkflowHttp http;
    private final String callbackUrl;
    private final Map<String, Registration> registry = new ConcurrentHashMap<>();

    private Workflows(WorkflowHttp http, String callbackUrl) {
        this.http = http;
        this.callbackUrl = callbackUrl;
    }

    /**
     * An engine talking to the server of {@code dtm}, whose workflows the server resumes by calling
     * {@code callbackUrl} (an absolute http or https URL of the application). Each HTTP call waits
     * at most 10 seconds.
     *
     * @throws IllegalArgumentException when {@code callbackUrl} is not an absolute http(s) URL
     */
    public static Workflows http(DtmClient dtm, String callbackUrl) {
        return http(dtm, callbackUrl, DEFAULT_TIMEOUT);
    }

    /** {@link #http(DtmClient, String)} waiting at most {@code timeout} for each HTTP call (server and business). */
    public static Workflows http(DtmClient dtm, String callbackUrl, Duration timeout) {
        Objects.requireNonNull(dtm, "dtm");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return new Workflows(new WorkflowHttp(dtm.withTimeout(timeout)), checkCallbackUrl(callbackUrl));
    }

    /** The URL the server calls to resume unfinished workflows. */
    public String callbackUrl() {
        return callbackUrl;
    }

    /**
     * Registers {@code handler} as the workflow {@code name}.
     *
     * @throws IllegalArgumentException when the name is empty
     * @throws IllegalStateException when a workflow of that name is already registered
     */
    public Workflows register(String name, WorkflowHandler handler, WorkflowOption... options) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a workflow name must not be empty");
        }
        Set<WorkflowOption> chosen = EnumSet.noneOf(WorkflowOption.class);
        chosen.addAll(List.of(options));
        if (registry.putIfAbsent(name, new Registration(handler, chosen)) != null) {
            throw new IllegalStateException("a workflow named '" + name + "' is already registered");
        }
        return this;
    }

    /**
     * Executes (or resumes) the workflow {@code name} as the global transaction {@code gid}. If that
     * transaction already finished, returns its recorded result (or throws its failure) without
     * running anything. Otherwise runs the handler, replaying recorded steps, then the commit or
     * rollback callbacks, and submits the outcome.
     *
     * @param data the workflow's input; the server keeps it and hands it back on resume
     * @return the handler's result
     * @throws DtmFailureException when the workflow failed (after its rollback callbacks ran and
     *     the failure was submitted), now or in an earlier run
     * @throws IllegalArgumentException when no workflow {@code name} is registered or {@code gid} is empty
     * @throws RuntimeException any other error of the handler, a callback or the server: the workflow
     *     stays unfinished (its completed steps are recorded) and the server will resume it
     */
    public byte[] execute(String name, String gid, byte[] data) {
        Registration registration = lookup(name);
        if (gid == null || gid.isEmpty()) {
            throw new IllegalArgumentException("workflow '" + name + "': gid must not be empty");
        }
        byte[] input = data == null ? StepResult.EMPTY : data;
        WorkflowHttp.Prepared prepared = http.prepareWorkflow(prepareBody(name, gid, input));
        if (TransStatus.SUCCEED.wire().equals(prepared.status())) {
            return Base64.getDecoder().decode(prepared.result());
        }
        if (TransStatus.FAILED.wire().equals(prepared.status())) {
            throw new DtmFailureException(prepared.rollbackReason());
        }
        Workflow workflow = new Workflow(
                http,
                gid,
                name,
                registration.options().contains(WorkflowOption.COMPENSATE_ERROR_BRANCH),
                prepared.progresses());
        byte[] result;
        DtmFailureException failure = null;
        try {
            result = registration.handler().run(workflow, input);
        } catch (DtmFailureException e) {
            failure = e;
            result = null;
        } catch (RuntimeException e) {
            throw e; // unfinished: the server calls back and the workflow runs again
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new DtmException("workflow '" + name + "' gid " + gid + " threw " + e, e);
        }
        byte[] output = result == null ? StepResult.EMPTY : result;
        workflow.finish(failure != null);
        http.submit(submitBody(gid, failure, output));
        if (failure != null) {
            throw failure;
        }
        return output;
    }

    /**
     * Resumes a workflow from the server's callback: the name is the query parameter {@code op},
     * the gid the parameter {@code gid}, the input the request body. Query values may be strings or
     * lists of strings, as web frameworks hand them over.
     *
     * @throws IllegalArgumentException when {@code gid} or {@code op} is missing
     * @see #execute
     */
    public byte[] executeByQuery(Map<String, ?> query, byte[] body) {
        Objects.requireNonNull(query, "query");
        String name = BranchIdentity.queryParam(query, "op");
        String gid = BranchIdentity.queryParam(query, "gid");
        if (name.isEmpty() || gid.isEmpty()) {
            throw new IllegalArgumentException(
                    "a workflow callback needs the query parameters gid and op, got " + query.keySet());
        }
        return execute(name, gid, body);
    }

    /**
     * Handles the server's callback completely: runs {@link #executeByQuery} and returns what to
     * answer, per {@link HttpResults}: 200 when the workflow finished successfully, 409 when it
     * failed, 425 when a step is ongoing, 500 for any other error. Never throws for a failed run.
     */
    public ResumeReply resume(Map<String, ?> query, byte[] body) {
        RuntimeException error = null;
        try {
            executeByQuery(query, body);
        } catch (RuntimeException e) {
            error = e;
        }
        return new ResumeReply(HttpResults.statusFor(error), HttpResults.bodyFor(error));
    }

    private Registration lookup(String name) {
        Registration registration = registry.get(Objects.requireNonNull(name, "name"));
        if (registration == null) {
            throw new IllegalArgumentException(
                    "no workflow named '" + name + "' is registered; register every workflow at start-up");
        }
        return registration;
    }

    private Map<String, Object> prepareBody(String name, String gid, byte[] input) {
        Map<String, String> custom = new LinkedHashMap<>();
        custom.put("name", name);
        custom.put("data", Base64.getEncoder().encodeToString(input));
        Map<String, Object> body = common(gid);
        try {
            body.put("custom_data", WorkflowHttp.JSON.writeValueAsString(custom));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write custom_data", e);
        }
        body.put("query_prepared", callbackUrl);
        return body;
    }

    private static Map<String, Object> submitBody(String gid, DtmFailureException failure, byte[] result) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("status", (failure == null ? TransStatus.SUCCEED : TransStatus.FAILED).wire());
        extra.put("rollback_reason", failure == null ? "" : StepResult.reason(failure));
        extra.put("result", Base64.getEncoder().encodeToString(result));
        Map<String, Object> body = common(gid);
        body.put("req_extra", extra);
        return body;
    }

    private static Map<String, Object> common(String gid) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("gid", gid);
        body.put("trans_type", TransType.WORKFLOW.wire());
        body.put("protocol", "http");
        body.put("concurrent", false);
        return body;
    }

    private static String checkCallbackUrl(String url) {
        Objects.requireNonNull(url, "callbackUrl");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("callbackUrl is not a URL: " + url, e);
        }
        String scheme = uri.getScheme();
        if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
            throw new IllegalArgumentException("callbackUrl must be an absolute http or https URL: '" + url + "'");
        }
        return url;
    }
}
