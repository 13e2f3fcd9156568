package io.dtm4j.client.workflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.GrpcBranch;
import io.dtm4j.client.HttpResults;
import io.dtm4j.protocol.TransStatus;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
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
 * The workflow engine: workflows registered by name, executed as dtm workflow transactions. A
 * workflow's code runs in the application; the server stores what each step recorded and, while
 * the workflow is unfinished, calls the application back to run it again.
 *
 * <p>Over HTTP ({@link #http}) the server calls the application's resume URL, whose handler passes
 * the call to {@link #resume} (or {@link #executeByQuery}):
 *
 * <pre>{@code
 * Workflows workflows = Workflows.http(dtm, "http://app:8081/api/workflow/resume");
 * workflows.register("transfer", (wf, data) -> { ... });
 * byte[] result = workflows.execute("transfer", dtm.newGid(), input);
 * }</pre>
 *
 * <p>Over gRPC ({@link #grpc}) the engine talks to the server's gRPC API, and the server calls
 * {@code workflow.Workflow/Execute} on the application's gRPC server, which serves {@link
 * #grpcService()}:
 *
 * <pre>{@code
 * Workflows workflows = Workflows.grpc(DtmClient.grpc("dtm:36790"), "app:58082");
 * Server server = Grpc.newServerBuilderForPort(58082, InsecureServerCredentials.create())
 *     .addService(workflows.grpcService())
 *     .build().start();
 * }</pre>
 *
 * <p>Either way a workflow may mix local steps, HTTP steps ({@link Workflow#post}) and, over gRPC,
 * gRPC steps ({@link Workflow#invoke}). Register every workflow at start-up, before the server can
 * call back. Thread-safe: several workflows (not the same gid) may execute at once.
 */
public final class Workflows {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final String GRPC_CALLBACK = "/workflow.Workflow/Execute";

    private record Registration(WorkflowHandler handler, Set<WorkflowOption> options) {}

    /** The application's client, for the business calls of recorded steps. */
    private final DtmClient dtm;

    private final WorkflowTransport transport;
    private final String callbackUrl;
    private final Map<String, Registration> registry = new ConcurrentHashMap<>();

    private Workflows(DtmClient dtm, WorkflowTransport transport, String callbackUrl) {
        this.dtm = dtm;
        this.transport = transport;
        this.callbackUrl = callbackUrl;
    }

    /**
     * An engine talking to the server of {@code dtm}, whose workflows the server resumes by calling
     * {@code callbackUrl} (an absolute http or https URL of the application). Each HTTP call waits
     * at most 10 seconds.
     *
     * @throws IllegalArgumentException when {@code dtm} is a gRPC client or {@code callbackUrl} is
     *     not an absolute http(s) URL
     */
    public static Workflows http(DtmClient dtm, String callbackUrl) {
        return http(dtm, callbackUrl, DEFAULT_TIMEOUT);
    }

    /** {@link #http(DtmClient, String)} waiting at most {@code timeout} for each HTTP call (server and business). */
    public static Workflows http(DtmClient dtm, String callbackUrl, Duration timeout) {
        Objects.requireNonNull(dtm, "dtm");
        if (dtm.isGrpc()) {
            throw new IllegalArgumentException(
                    "Workflows.http needs an HTTP client (DtmClient.of); use Workflows.grpc with a gRPC client");
        }
        DtmClient bound = dtm.withTimeout(checkTimeout(timeout));
        return new Workflows(bound, new HttpWorkflowTransport(bound), checkCallbackUrl(callbackUrl));
    }

    /**
     * An engine talking to the server's gRPC API through {@code dtm} (a {@link DtmClient#grpc}
     * client), whose workflows the server resumes by calling {@code workflow.Workflow/Execute} at
     * {@code clientHost} ({@code host:port} of the application's gRPC server, which must serve
     * {@link #grpcService()}). Each call (server and business) waits at most 10 seconds. HTTP steps
     * ({@link Workflow#post}) still work: they use the HTTP client {@code dtm} creates on first use.
     *
     * @throws IllegalArgumentException when {@code dtm} is an HTTP client, or {@code clientHost} is
     *     empty, an http(s) URL or ends with {@code /}
     */
    public static Workflows grpc(DtmClient dtm, String clientHost) {
        return grpc(dtm, clientHost, DEFAULT_TIMEOUT);
    }

    /** {@link #grpc(DtmClient, String)} waiting at most {@code timeout} for each call (server and business). */
    public static Workflows grpc(DtmClient dtm, String clientHost, Duration timeout) {
        Objects.requireNonNull(dtm, "dtm");
        if (!dtm.isGrpc()) {
            throw new IllegalArgumentException(
                    "Workflows.grpc needs a gRPC client (DtmClient.grpc); use Workflows.http with an HTTP client");
        }
        DtmClient bound = dtm.withTimeout(checkTimeout(timeout));
        return new Workflows(bound, new GrpcWorkflowTransport(bound), checkClientHost(clientHost) + GRPC_CALLBACK);
    }

    /**
     * The URL the server calls to resume unfinished workflows: the HTTP resume URL, or {@code
     * <clientHost>/workflow.Workflow/Execute} over gRPC.
     */
    public String callbackUrl() {
        return callbackUrl;
    }

    /**
     * The gRPC service {@code workflow.Workflow} through which the server resumes the workflows of
     * an engine made by {@link #grpc}: add it to the application's gRPC server at {@code clientHost}
     * (it carries its own interceptor for the call metadata). Its {@code Execute} takes the gid from
     * the metadata {@code dtm-gid}, the workflow name from {@code dtm-op} and the input from {@code
     * WorkflowData.Data}, runs {@link #execute}, and answers per {@link io.dtm4j.client.GrpcResults}:
     * OK when the workflow succeeded, ABORTED when it failed, FAILED_PRECONDITION when a step is
     * ongoing, UNKNOWN for other errors; INVALID_ARGUMENT when the call lacks the gid or names a
     * workflow that is not registered.
     *
     * @throws IllegalStateException on an engine made by {@link #http}, which the server resumes
     *     over HTTP
     */
    public ServerServiceDefinition grpcService() {
        if (!dtm.isGrpc()) {
            throw new IllegalStateException(
                    "the server resumes the workflows of Workflows.http at their callback URL; grpcService() is for"
                            + " Workflows.grpc");
        }
        return ServerInterceptors.intercept(new GrpcResumeService(this), GrpcBranch.interceptor());
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
        WorkflowTransport.Prepared prepared = transport.prepare(gid, customData(name, input), callbackUrl);
        if (TransStatus.SUCCEED.wire().equals(prepared.status())) {
            return Base64.getDecoder().decode(prepared.result());
        }
        if (TransStatus.FAILED.wire().equals(prepared.status())) {
            throw new DtmFailureException(prepared.rollbackReason());
        }
        Workflow workflow = new Workflow(
                dtm,
                transport,
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
        transport.submit(gid, reqExtra(failure, output));
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

    /** Whether a workflow {@code name} is registered. */
    boolean isRegistered(String name) {
        return registry.containsKey(name);
    }

    private Registration lookup(String name) {
        Registration registration = registry.get(Objects.requireNonNull(name, "name"));
        if (registration == null) {
            throw new IllegalArgumentException(
                    "no workflow named '" + name + "' is registered; register every workflow at start-up");
        }
        return registration;
    }

    /** The transaction's custom_data: the workflow's name and its input, which the server hands back on resume. */
    private static String customData(String name, byte[] input) {
        Map<String, String> custom = new LinkedHashMap<>();
        custom.put("name", name);
        custom.put("data", Base64.getEncoder().encodeToString(input));
        try {
            return Payloads.JSON.writeValueAsString(custom);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write custom_data", e);
        }
    }

    private static Map<String, String> reqExtra(DtmFailureException failure, byte[] result) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("status", (failure == null ? TransStatus.SUCCEED : TransStatus.FAILED).wire());
        extra.put("rollback_reason", failure == null ? "" : StepResult.reason(failure));
        extra.put("result", Base64.getEncoder().encodeToString(result));
        return extra;
    }

    private static Duration checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        return timeout;
    }

    private static String checkClientHost(String host) {
        Objects.requireNonNull(host, "clientHost");
        if (host.isBlank() || host.startsWith("http://") || host.startsWith("https://") || host.endsWith("/")) {
            throw new IllegalArgumentException(
                    "clientHost is the host:port of the application's gRPC server, e.g. app:58082; got '" + host + "'");
        }
        return host;
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
