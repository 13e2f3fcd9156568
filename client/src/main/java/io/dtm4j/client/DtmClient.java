package io.dtm4j.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.grpc.ChannelCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The entry point of the SDK: talks to one dtm (or dtm4j) server over HTTP ({@link #of}) or gRPC
 * ({@link #grpc}) and creates transactions bound to it. Thread-safe; create one per server and share
 * it.
 *
 * <pre>{@code
 * DtmClient dtm = DtmClient.of("http://localhost:36789/api/dtmsvr");
 * dtm.saga(dtm.newGid())
 *     .add(busi + "/TransOut", busi + "/TransOutCompensate", Map.of("amount", 30))
 *     .add(busi + "/TransIn", busi + "/TransInCompensate", Map.of("amount", 30))
 *     .submit();
 * }</pre>
 */
public final class DtmClient implements AutoCloseable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final String serverUrl;
    /** The HTTP client; over gRPC created on first use, for business HTTP calls ({@link #exchange}). */
    private final Supplier<HttpClient> http;

    private final Duration timeout;
    /** The gRPC transport; null when this client speaks HTTP. */
    private final GrpcTransport grpc;

    /** Headers of every HTTP request to the server (not to business services): the bearer token. */
    private final Map<String, String> serverHeaders;

    /** Branch headers every transaction made by this client starts with ({@link #withBranchHeaders}). */
    private final Map<String, String> branchHeaders;

    private DtmClient(
            String serverUrl,
            Supplier<HttpClient> http,
            Duration timeout,
            GrpcTransport grpc,
            Map<String, String> serverHeaders,
            Map<String, String> branchHeaders) {
        this.serverUrl = serverUrl;
        this.http = http;
        this.timeout = timeout;
        this.grpc = grpc;
        this.serverHeaders = serverHeaders;
        this.branchHeaders = branchHeaders;
    }

    /**
     * Creates a client for the server whose API lives at {@code serverUrl}, e.g. {@code
     * http://localhost:36789/api/dtmsvr}. Calls time out after 10 seconds.
     */
    public static DtmClient of(String serverUrl) {
        return of(serverUrl, newHttpClient());
    }

    /**
     * Like {@link #of(String)}, sending every request (to the server and to business services)
     * through {@code http}, e.g. a client decorated to record metrics. Requests carry their own
     * timeout ({@link #withTimeout}); the connect timeout is {@code http}'s.
     */
    public static DtmClient of(String serverUrl, HttpClient http) {
        Objects.requireNonNull(serverUrl, "serverUrl");
        Objects.requireNonNull(http, "http");
        return new DtmClient(stripSlash(serverUrl), () -> http, DEFAULT_TIMEOUT, null, Map.of(), Map.of());
    }

    /**
     * Creates a client for the gRPC API ({@code dtmgimp.Dtm}) of the server at {@code target}, over
     * plaintext channels. The target is {@code host:port} ({@code localhost:36790}), {@code
     * dns:///host:port}, or a go-zero registry target (docs/protocol.md §14): {@code
     * etcd://host:port[,host:port…]/key} (or {@code discov://}, the same) for a server registered
     * in etcd under {@code key}, followed as its instances come and go, or {@code
     * direct:///h1:p1,h2:p2}. Calls go round-robin over the addresses the target resolves to; the
     * resolver of the registry schemes is installed in grpc-java's default registry on first use.
     *
     * <p>Step payloads and branch bodies are then protobuf messages (or raw byte[]); TCC tries, XA
     * actions and the message check-back are gRPC calls to URLs of the form {@code
     * host:port/package.Service/Method}, or {@code etcd://host:port/service/package.Service/Method}
     * (go-zero's splitting: the dial target ends after the first path segment); the branches get
     * {@code target} as the server's address in {@code dtm-dtm}. Calls time out after 10 seconds.
     * Needs a gRPC transport on the class path (e.g. {@code io.grpc:grpc-netty-shaded}); {@link
     * #close()} shuts the channels down. The HTTP-only server methods ({@link #query}, {@link #post},
     * {@link #prepareWorkflow}) throw {@link UnsupportedOperationException}; {@link #exchange} still
     * makes business HTTP calls (e.g. the HTTP steps of a gRPC workflow), with an HTTP client created
     * on first use.
     *
     * @throws IllegalArgumentException when a registry target is malformed, e.g. {@code
     *     etcd://localhost:2379} without a key
     * @throws RuntimeException gRPC's {@code ProviderNotFoundException} when no gRPC transport is on
     *     the class path
     */
    public static DtmClient grpc(String target) {
        return grpc(target, null); // null: plaintext; no gRPC type here, an HTTP-only class path has none
    }

    /**
     * As {@link #grpc(String)}, reaching the server with {@code credentials}, e.g. {@code
     * TlsChannelCredentials.newBuilder().trustManager(caFile).build()} for a server with TLS
     * (docs/security.md#tls); calls to business services stay plaintext. Null = plaintext.
     */
    public static DtmClient grpc(String target, ChannelCredentials credentials) {
        Objects.requireNonNull(target, "target");
        return new DtmClient(
                target,
                lazyHttpClient(),
                DEFAULT_TIMEOUT,
                new GrpcTransport(target, credentials, DEFAULT_TIMEOUT),
                Map.of(),
                Map.of());
    }

    /** Returns a client that waits at most {@code timeout} for each call (server and branches). */
    public DtmClient withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return new DtmClient(
                serverUrl,
                http,
                timeout,
                grpc == null ? null : grpc.withTimeout(timeout),
                serverHeaders,
                branchHeaders);
    }

    /**
     * Returns a client that sends {@code token} to the server on every request ({@code
     * Authorization: Bearer}, gRPC metadata {@code authorization}), for a server with {@code
     * ApiTokens} (docs/security.md#api-tokens); business services never receive it.
     */
    public DtmClient withBearerToken(String token) {
        Objects.requireNonNull(token, "token");
        String authorization = "Bearer " + token;
        return new DtmClient(
                serverUrl,
                http,
                timeout,
                grpc == null ? null : grpc.withAuthorization(authorization),
                Map.of("Authorization", authorization),
                branchHeaders);
    }

    /**
     * Returns a client whose transactions all start with {@code headers} as branch headers (see
     * {@link GlobalTransaction#branchHeader}); a transaction may add or replace some. Over gRPC they
     * become metadata, so use lowercase names.
     */
    public DtmClient withBranchHeaders(Map<String, String> headers) {
        return new DtmClient(serverUrl, http, timeout, grpc, serverHeaders, Map.copyOf(headers));
    }

    /** The branch headers every transaction of this client starts with; empty unless set. */
    public Map<String, String> branchHeaders() {
        return branchHeaders;
    }

    /**
     * The server's address as passed to the branches: the API base URL in the {@code dtm} query
     * parameter over HTTP, the gRPC target in the {@code dtm-dtm} metadata over gRPC.
     */
    public String serverUrl() {
        return serverUrl;
    }

    /** Whether this client speaks gRPC ({@link #grpc}) rather than HTTP ({@link #of}). */
    public boolean isGrpc() {
        return grpc != null;
    }

    /**
     * Shuts down the gRPC channels of this client and of every client derived from it with {@link
     * #withTimeout}; nothing to do over HTTP.
     */
    @Override
    public void close() {
        if (grpc != null) {
            grpc.close();
        }
    }

    /** Asks the server for a new global transaction id. */
    public String newGid() {
        if (grpc != null) {
            return grpc.newGid();
        }
        JsonNode answer = get("newGid", Map.of());
        String gid = answer.path("gid").asText("");
        if (gid.isEmpty()) {
            throw new DtmException("newGid answered without a gid: " + answer);
        }
        return gid;
    }

    /** Starts building a saga with id {@code gid}. */
    public Saga saga(String gid) {
        return new Saga(this, gid);
    }

    /** Starts building a two-phase message with id {@code gid}. */
    public Msg msg(String gid) {
        return new Msg(this, gid);
    }

    /**
     * Runs a TCC global transaction {@code gid}: prepares it, runs {@code body} (which calls the
     * branches with {@link Tcc#callBranch}), then submits it, after which the server confirms every
     * branch. If {@code body} throws, the transaction is aborted with the error text as rollback
     * reason (the server cancels the registered branches) and the error is rethrown; a checked
     * exception is wrapped in a {@link DtmException}.
     *
     * @throws DtmFailureException when the server refuses prepare or submit, e.g. because the
     *     transaction timed out meanwhile; with {@code waitResult}, also when it did not succeed
     */
    public void tccGlobalTransaction(String gid, Tcc.Body body) {
        tccGlobalTransaction(gid, tcc -> {}, body);
    }

    /**
     * Like {@link #tccGlobalTransaction(String, Tcc.Body)}, after {@code customize} has set options,
     * e.g. {@code tcc -> tcc.waitResult(true).timeoutToFail(60).branchHeader("x-user", "7")}.
     */
    public void tccGlobalTransaction(String gid, Consumer<Tcc> customize, Tcc.Body body) {
        Tcc.run(this, gid, Objects.requireNonNull(customize, "customize"), body);
    }

    /**
     * Runs an XA global transaction {@code gid}: prepares it, runs {@code body} (which calls the
     * branches with {@link Xa#callBranch}), then submits it, after which the server commits every
     * branch. If {@code body} throws, the transaction is aborted (the server rolls back the
     * registered branches) and the error is rethrown; a checked exception is wrapped in a {@link
     * DtmException}.
     *
     * @throws DtmFailureException when the server refuses prepare or submit, e.g. because the
     *     transaction timed out meanwhile; with {@code waitResult}, also when it did not succeed
     */
    public void xaGlobalTransaction(String gid, Xa.Body body) {
        xaGlobalTransaction(gid, xa -> {}, body);
    }

    /** Like {@link #xaGlobalTransaction(String, Xa.Body)}, after {@code customize} has set options. */
    public void xaGlobalTransaction(String gid, Consumer<Xa> customize, Xa.Body body) {
        Xa.run(this, gid, Objects.requireNonNull(customize, "customize"), body);
    }

    /**
     * Records a branch of a TCC, XA or workflow transaction with the server (route {@code
     * registerBranch}); {@code fields} are the protocol's string fields: {@code gid}, {@code
     * trans_type}, {@code branch_id} and the type's own ({@code data}, {@code confirm}, {@code
     * cancel}; {@code url}; {@code op}, {@code status}).
     *
     * @throws DtmFailureException when the transaction is no longer prepared; DtmException on other errors
     */
    public void registerBranch(Map<String, String> fields) {
        if (grpc != null) {
            Map<String, String> rest = new LinkedHashMap<>(fields);
            String data = rest.remove("data");
            grpc.registerBranch(rest, data == null ? new byte[0] : data.getBytes(StandardCharsets.UTF_8));
            return;
        }
        post("registerBranch", fields);
    }

    /** Registers a branch whose data is {@code data} (the JSON text over HTTP, the message bytes over gRPC). */
    void registerBranch(Map<String, String> fields, byte[] data) {
        if (grpc != null) {
            grpc.registerBranch(fields, data);
            return;
        }
        Map<String, String> body = new LinkedHashMap<>(fields);
        body.put("data", GlobalTransaction.utf8(data));
        post("registerBranch", body);
    }

    /** Sends {@code trans} to the server operation {@code route}: prepare, submit or abort. */
    void send(String route, GlobalTransaction<?> trans) {
        if (grpc != null) {
            grpc.send(route, trans);
        } else {
            post(route, trans.body());
        }
    }

    /**
     * Encodes a step or branch payload the way this client sends it: over HTTP a String or byte[] as
     * it is and anything else as JSON; over gRPC a protobuf message, byte[] or String (UTF-8), and
     * null as an empty message.
     *
     * @throws IllegalArgumentException over gRPC, for a payload of another type
     */
    public byte[] encode(Object payload) {
        return grpc != null
                ? GrpcTransport.encode(payload)
                : Json.payload(payload).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Calls a branch from the application (TCC try, XA action, a gRPC workflow step) like {@link
     * #callBranch}, with the request already encoded, {@code extra} as additional query parameters
     * (HTTP) or {@code dtm-} metadata (gRPC), and returns the answer's bytes: over gRPC the reply
     * message exactly as received.
     *
     * @throws DtmFailureException when the outcome is FAILURE
     * @throws DtmOngoingException when the outcome is ONGOING
     * @throws DtmException when the outcome is another error
     * @throws IllegalArgumentException over gRPC, when {@code url} is not {@code
     *     host:port/package.Service/Method}
     */
    public byte[] invokeBranch(
            String url, BranchIdentity branch, Map<String, String> extra, byte[] body, Map<String, String> headers) {
        if (grpc != null) {
            return grpc.callBranch(url, branch, extra, body, headers);
        }
        return callBranch(url, branch, extra, body, headers).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Makes a call of the server's gRPC API ({@code dtmgimp.Dtm}) this class has no method of its
     * own for, e.g. {@code dtm.grpcCall("dtm PrepareWorkflow", stub -> stub.prepareWorkflow(request))}:
     * the gRPC counterpart of {@link #post}. The stub's deadline is this client's timeout.
     *
     * @param what names the call in error messages
     * @return what {@code call} returned
     * @throws UnsupportedOperationException on an HTTP client
     * @throws DtmFailureException for status ABORTED, DtmOngoingException for FAILED_PRECONDITION,
     *     DtmException for any other error status
     */
    public <T> T grpcCall(String what, Function<DtmGrpc.DtmBlockingStub, T> call) {
        Objects.requireNonNull(call, "call");
        if (grpc == null) {
            throw new UnsupportedOperationException(what + " needs a gRPC client (DtmClient.grpc)");
        }
        return grpc.callServer(what, call);
    }

    /**
     * Returns the server's view of the transaction: {@code {"transaction": {...}, "branches": [...]}};
     * {@code transaction} is null when the server does not know the gid.
     */
    public JsonNode query(String gid) {
        requireHttp("query");
        return get("query", Map.of("gid", gid));
    }

    /** Returns the transaction's status, e.g. {@code succeed}, or an empty string when it is unknown. */
    public String status(String gid) {
        return query(gid).path("transaction").path("status").asText("");
    }

    /**
     * POSTs {@code body} as JSON to the server route {@code route} (e.g. {@code submit}), for routes
     * this class has no method of its own for.
     *
     * @return the parsed answer
     * @throws DtmFailureException when the outcome is FAILURE
     * @throws DtmOngoingException when the outcome is ONGOING
     * @throws DtmException when the outcome is another error
     */
    public JsonNode post(String route, Object body) {
        requireHttp(route);
        return Json.read(checked(postJson(route, body), "dtm " + route));
    }

    /**
     * Creates the workflow described by {@code body} unless it exists (route {@code
     * prepareWorkflow}) and returns the server's answer: {@code {"transaction": {...},
     * "progresses": [...]}}. The answer quotes stored texts (a rollback reason may say FAILURE), so
     * only its status counts.
     */
    public JsonNode prepareWorkflow(Object body) {
        requireHttp("prepareWorkflow");
        Response r = postJson("prepareWorkflow", body);
        if (r.status() != 200) {
            HttpResults.check(r.status(), r.body());
            throw new DtmException("dtm prepareWorkflow: http status " + r.status() + ": " + r.body());
        }
        return Json.read(r.body());
    }

    /** GETs a read-only route; its answer may quote failure texts, so only the status counts. */
    JsonNode get(String route, Map<String, String> query) {
        Response r = exchange("GET", serverUrl + "/" + route, query, serverHeaders, new byte[0]);
        if (r.status() != 200) {
            throw new DtmException("dtm " + route + ": http status " + r.status() + ": " + r.body());
        }
        return Json.read(r.body());
    }

    /**
     * Calls a business service the way the protocol prescribes for calls made by the application
     * (a TCC try, an XA action): POST with a JSON body, the branch identity and the server URL in
     * the query, and {@code headers}. Over gRPC: a unary call to {@code host:port/pkg.Svc/Method}
     * (or a registry URL such as {@code etcd://host:port/service/pkg.Svc/Method}) with the identity
     * as {@code dtm-*} metadata, returning the reply's bytes as UTF-8 text.
     *
     * @return the response body on success
     * @throws DtmFailureException when the outcome is FAILURE
     * @throws DtmOngoingException when the outcome is ONGOING
     * @throws DtmException when the outcome is another error
     */
    public String callBranch(
            String url,
            BranchIdentity branch,
            Map<String, String> extraQuery,
            Object body,
            Map<String, String> headers) {
        if (grpc != null) {
            return GlobalTransaction.utf8(grpc.callBranch(url, branch, extraQuery, encode(body), headers));
        }
        Map<String, String> query = branchQuery(branch);
        query.putAll(extraQuery);
        byte[] bytes = Json.payload(body).getBytes(StandardCharsets.UTF_8);
        return checked(exchange("POST", url, query, headers, bytes), branch.op() + " " + url);
    }

    /**
     * GETs {@code url} the way the server checks back a message (no body; {@code dtm}, {@code gid},
     * {@code branch_id}, {@code trans_type}, {@code op} in the query), for a message that asks itself.
     *
     * @throws DtmFailureException when the outcome is FAILURE
     * @throws DtmOngoingException when the outcome is ONGOING
     * @throws DtmException when the outcome is another error
     */
    void checkBack(String url, BranchIdentity branch) {
        if (grpc != null) {
            grpc.callBranch(url, branch, Map.of(), new byte[0], Map.of());
            return;
        }
        checked(exchange("GET", url, branchQuery(branch), Map.of(), new byte[0]), "check-back " + url);
    }

    /** An HTTP response: status and body text. */
    public record Response(int status, String body) {}

    /**
     * Sends one HTTP request, with {@code query} appended to {@code url} and a JSON content type,
     * and returns the response without judging it (an empty body is left out). Works on a gRPC
     * client too, for business HTTP calls.
     *
     * @throws DtmException when no response arrived (refused connection, timeout, interruption)
     */
    public Response exchange(
            String method, String url, Map<String, String> query, Map<String, String> headers, byte[] body) {
        String separator = url.contains("?") ? "&" : "?";
        String target =
                query.isEmpty() ? url : url + separator + queryString(query).substring(1);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        Traces.current().forEach(request::header); // the caller's trace, unless headers name one
        headers.forEach(request::setHeader);
        String what = method + " " + url;
        try {
            HttpResponse<String> response = http.get().send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new DtmException(what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DtmException(what + " interrupted", e);
        }
    }

    private void requireHttp(String what) {
        if (grpc != null) {
            throw new UnsupportedOperationException(
                    what + " needs an HTTP client (DtmClient.of): the gRPC API has no such operation");
        }
    }

    private Response postJson(String route, Object body) {
        byte[] json = Json.write(body).getBytes(StandardCharsets.UTF_8);
        return exchange("POST", serverUrl + "/" + route, Map.of(), serverHeaders, json);
    }

    private Map<String, String> branchQuery(BranchIdentity branch) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("dtm", serverUrl);
        query.put("gid", branch.gid());
        query.put("branch_id", branch.branchId());
        query.put("trans_type", branch.transType());
        query.put("op", branch.op());
        return query;
    }

    /** Applies the result rules of docs/protocol.md §1.1 and returns the body of a success. */
    private static String checked(Response r, String what) {
        try {
            HttpResults.check(r.status(), r.body());
        } catch (DtmException e) {
            throw relabel(e, what);
        }
        return r.body();
    }

    private static DtmException relabel(DtmException e, String what) {
        String message = what + ": " + e.getMessage();
        return switch (e) {
            case DtmOngoingException o -> new DtmOngoingException(message);
            case DtmFailureException f -> new DtmFailureException(message);
            default -> new DtmException(message);
        };
    }

    static String queryString(Map<String, String> query) {
        if (query.isEmpty()) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        query.forEach((k, v) -> text.append(text.isEmpty() ? '?' : '&')
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return text.toString();
    }

    private static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(DEFAULT_TIMEOUT)
                .build();
    }

    /** An HTTP client made on first use: a gRPC client needs one only for business HTTP calls. */
    private static Supplier<HttpClient> lazyHttpClient() {
        return new Supplier<>() {
            private HttpClient client;

            @Override
            public synchronized HttpClient get() {
                if (client == null) {
                    client = newHttpClient();
                }
                return client;
            }
        };
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
