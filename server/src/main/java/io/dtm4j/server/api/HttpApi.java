package io.dtm4j.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dtm4j.protocol.TraceContext;
import io.dtm4j.protocol.TransRequest;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.admin.AuditLog;
import io.dtm4j.server.admin.Nodes;
import io.dtm4j.server.engine.DtmException;
import io.dtm4j.server.engine.Engine;
import io.dtm4j.server.engine.Gids;
import io.dtm4j.server.engine.Parking;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.security.ConsoleAccess;
import io.dtm4j.server.security.ConsoleUsers;
import io.dtm4j.server.security.OidcSignIn;
import io.dtm4j.server.security.Redaction;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.topic.TopicException;
import io.dtm4j.server.topic.Topics;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * dtm's HTTP API (docs/protocol.md §3) under {@code /api/dtmsvr}, plus {@code /api/ping} and {@code
 * /api/metrics}. Requests are parsed on the event loop and served on virtual threads; results are
 * mapped to dtm's wrapper (docs/protocol.md §2): 200 SUCCESS or an object, 409 FAILURE, 425
 * ONGOING, 500 with a message.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final String BASE = "/api/dtmsvr";
    /** dtm4j's own routes for parked transactions (docs/observability.md#parking). */
    private static final String PARKED = "/api/dtm4j/parked";

    private static final String NODES = "/api/dtm4j/nodes";
    private static final String ATTEMPTS = "/api/dtm4j/attempts";

    /** The overview counts each status up to this: beyond, it says "more than" (a bounded read). */
    private static final long COUNT_CAP = 10_000;

    private static final String PRINCIPAL = "dtm4j.principal";
    /** Preact's ES modules in its WebJar; the version is the one server/pom.xml depends on. */
    private static final String PREACT = "META-INF/resources/webjars/preact/10.27.2";
    /** At most this many gids per replay or stop request. */
    private static final int MAX_GIDS = 1000;

    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final Buffer SUCCESS = Buffer.buffer("{\"dtm_result\":\"SUCCESS\"}");
    /** The largest resetCronTime timeout: 100 years in seconds, as the transaction time options. */
    private static final long MAX_RESET_TIMEOUT = 100L * 366 * 24 * 3600;

    private static final Buffer NOT_FOUND = Buffer.buffer("404 page not found");

    /** A handler that runs on a virtual thread; returns null for plain success or a JSON object. */
    @FunctionalInterface
    private interface Handler {
        Object handle(RoutingContext rc) throws Exception;
    }

    private final Engine engine;
    private final Nodes nodes;
    private final Store store;
    private final Topics topics;
    private final Metrics metrics;
    private final Clock clock;
    private final ObjectMapper json;
    private final WireJson wire;
    private final ExecutorService executor;
    private final long defaultResetTimeout;
    private final long maxBodyBytes;
    private final ApiTokens tokens;
    private final ConsoleAccess console;
    /** The console's page: {@code <AdminBasePath>/admin/} (docs/console.md). */
    private final String adminPage;
    /** The console's own API: sessions instead of tokens. */
    private final String adminApi;

    private final AuditLog audit;
    private final String version;

    public HttpApi(
            Engine engine,
            Nodes nodes,
            Store store,
            Topics topics,
            Metrics metrics,
            Clock clock,
            ObjectMapper json,
            ExecutorService executor,
            long timeoutToFail,
            long maxBodyBytes,
            String version,
            ApiTokens tokens,
            ConsoleAccess console,
            AuditLog audit) {
        this.tokens = tokens;
        this.console = console;
        this.adminPage = console.basePath() + "/admin/";
        this.adminApi = adminPage + "api";
        this.audit = audit;
        this.nodes = nodes;
        this.engine = engine;
        this.store = store;
        this.topics = topics;
        this.metrics = metrics;
        this.clock = clock;
        this.json = json;
        this.wire = new WireJson(json);
        this.executor = executor;
        this.defaultResetTimeout = 3 * timeoutToFail;
        this.maxBodyBytes = maxBodyBytes;
        this.version = version;
    }

    public Router router(Vertx vertx) {
        Router r = Router.router(vertx);
        if (tokens.required()) {
            r.route().handler(this::authorize); // before the body is read
        }
        r.route().handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
        r.route("/api/ping")
                .handler(
                        rc -> rc.response().putHeader("Content-Type", JSON_TYPE).end("{\"msg\":\"pong\"}"));
        r.get("/api/metrics").handler(this::metrics);
        r.post(JsonRpcApi.PATH).handler(new JsonRpcApi(engine, metrics, json, executor));
        r.get(BASE + "/version").handler(serve("version", rc -> object().put("version", version)));
        r.get(BASE + "/newGid")
                .handler(
                        serve("newgid", rc -> object().put("gid", Gids.newGid()).put("dtm_result", "SUCCESS")));
        r.post(BASE + "/prepare").handler(serve("prepare", rc -> {
            engine.prepare(transRequest(rc));
            return null;
        }));
        r.post(BASE + "/submit").handler(serve("submit", rc -> {
            engine.submit(transRequest(rc));
            return null;
        }));
        r.post(BASE + "/abort").handler(serve("abort", rc -> {
            engine.abort(transRequest(rc));
            return null;
        }));
        for (String route : List.of("/registerBranch", "/registerTccBranch", "/registerXaBranch")) {
            r.post(BASE + route).handler(serve("registerbranch", rc -> {
                engine.registerBranch(stringFields(rc));
                return null;
            }));
        }
        r.post(BASE + "/prepareWorkflow").handler(serve("prepareworkflow", rc -> {
            Engine.WorkflowState state = engine.prepareWorkflow(transRequest(rc));
            ObjectNode n = object();
            n.set("transaction", wire.global(state.transaction()));
            ArrayNode progresses = n.putArray("progresses");
            state.progresses().forEach(b -> progresses.add(wire.branch(b)));
            return n;
        }));
        r.post(BASE + "/forceStop").handler(serve("forcestop", rc -> {
            engine.forceStop(transRequest(rc).gid());
            return null;
        }));
        r.post(BASE + "/resetNextCronTime").handler(serve("resetnextcrontime", rc -> {
            engine.resetNextCronTime(transRequest(rc).gid());
            return null;
        }));
        r.get(BASE + "/query").handler(serve("query", this::query));
        r.get(BASE + "/all").handler(serve("all", this::all));
        r.get(BASE + "/resetCronTime").handler(serve("resetcrontime", this::resetCronTime));
        r.get(BASE + "/subscribe").handler(serve("subscribe", rc -> {
            engine.checkSubscriber(param(rc, "url"));
            topics.subscribe(param(rc, "topic"), param(rc, "url"), param(rc, "remark"));
            return null;
        }));
        r.get(BASE + "/unsubscribe").handler(serve("unsubscribe", rc -> {
            topics.unsubscribe(param(rc, "topic"), param(rc, "url"));
            return null;
        }));
        r.delete(BASE + "/topic/:topicName").handler(serve("topic", rc -> {
            topics.delete(rc.pathParam("topicName"));
            return null;
        }));
        r.get(PARKED).handler(serve("parked", this::parked));
        r.get(NODES).handler(serve("nodes", rc -> nodes()));
        r.get(ATTEMPTS).handler(serve("attempts", rc -> {
            ObjectNode n = object().put("gid", param(rc, "gid"));
            n.set("attempts", json.valueToTree(engine.attempts(param(rc, "gid"))));
            return n;
        }));
        r.post(PARKED + "/replay").handler(serve("replayparked", rc -> onParked(rc, engine::replayParked)));
        r.post(PARKED + "/stop").handler(serve("stopparked", rc -> onParked(rc, engine::stopParked)));
        r.get(BASE + "/scanKV").handler(serve("scankv", this::scanKv));
        consoleRoutes(r);
        r.get(BASE + "/queryKV").handler(serve("querykv", this::queryKv));
        // gin answers unknown routes and wrong methods alike with a plain-text 404
        r.errorHandler(
                404,
                rc -> rc.response()
                        .setStatusCode(404)
                        .putHeader("Content-Type", "text/plain")
                        .end(NOT_FOUND));
        r.errorHandler(
                405,
                rc -> rc.response()
                        .setStatusCode(404)
                        .putHeader("Content-Type", "text/plain")
                        .end(NOT_FOUND));
        r.errorHandler(413, rc -> respondError(rc, 413, "request body is larger than " + maxBodyBytes + " bytes"));
        // vertx-web's BodyHandler fails a request whose body breaks off while it is read (a malformed
        // chunk) with status 200, so the client got "200 OK" for a request never read (found by the
        // fuzzer); the connection is closed after this answer
        r.errorHandler(
                200,
                rc -> rc.response()
                        .setStatusCode(400)
                        .putHeader("Content-Type", JSON_TYPE)
                        .putHeader("Connection", "close")
                        .end(object().put("message", "malformed HTTP request: unreadable body: " + rc.failure())
                                .toString()));
        return r;
    }

    /**
     * Answers a request the HTTP decoder refused before any route (request line over 4096 bytes:
     * 414, headers too large: 431, anything else malformed: 400; docs/protocol.md §2) with a message
     * and {@code Connection: close}, then closes. Vert.x's default answer closes the connection
     * without that header, so a client that pools connections sent its next request into the closed
     * connection, and that request got no answer at all (found by the fuzzer). The close lingers
     * ({@link LingeringClose}): closing under a client still sending would reset the connection and
     * lose the answer.
     */
    public static void invalidRequest(HttpServerRequest request) {
        LingeringClose.install(request.connection());
        Throwable cause = request.decoderResult().cause();
        int status = cause instanceof TooLongHttpLineException
                ? 414
                : cause instanceof TooLongHttpHeaderException ? 431 : 400;
        String message = "malformed HTTP request: " + (cause == null ? "unreadable" : cause.getMessage());
        request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", JSON_TYPE)
                .putHeader("Connection", "close")
                .end(JsonNodeFactory.instance
                        .objectNode()
                        .put("message", message)
                        .toString())
                .onComplete(v -> request.connection().close());
    }

    private io.vertx.core.Handler<RoutingContext> serve(String api, Handler handler) {
        return rc -> {
            Context context = Vertx.currentContext();
            long start = System.nanoTime();
            executor.execute(() -> {
                int status;
                Buffer body;
                try {
                    Object result = handler.handle(rc);
                    status = 200;
                    body = result == null ? SUCCESS : Buffer.buffer(json.writeValueAsBytes(result));
                } catch (DtmException e) {
                    status = e.kind().httpStatus();
                    body = errorBody(e);
                } catch (TopicException e) {
                    status = 500;
                    body = errorBody(DtmException.error(e.getMessage()));
                } catch (Exception e) {
                    log.error("{} failed", api, e);
                    status = 500;
                    body = errorBody(DtmException.error(String.valueOf(e.getMessage())));
                }
                metrics.apiRequest("http", api, status < 400, (System.nanoTime() - start) / 1e9);
                int finalStatus = status;
                Buffer finalBody = body;
                context.runOnContext(v -> rc.response()
                        .setStatusCode(finalStatus)
                        .putHeader("Content-Type", JSON_TYPE)
                        .end(finalBody));
            });
        };
    }

    private Buffer errorBody(DtmException e) {
        ObjectNode n = object();
        switch (e.kind()) {
            case FAILURE -> n.put("dtm_result", "FAILURE");
            case ONGOING -> n.put("dtm_result", "ONGOING");
            default -> {}
        }
        n.put("message", e.getMessage());
        return Buffer.buffer(n.toString());
    }

    /**
     * Lets a request to the API through only with an accepted bearer token; health checks
     * ({@code /api/ping}) and scrapes ({@code /api/metrics}, no gid, URL or payload in it) need none.
     */
    private void authorize(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (!path.startsWith("/api/")
                || path.equals("/api/ping")
                || path.equals("/api/metrics")
                || tokens.accepts(rc.request().getHeader("Authorization"))) {
            rc.next();
            return;
        }
        rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"dtm4j\"");
        if (rc.request().version() != HttpVersion.HTTP_2) {
            // the body is left unread: the connection goes, so that no rest of it is taken for a request
            rc.response().putHeader("Connection", "close");
        }
        respondError(rc, 401, "this server requires an API token: Authorization: Bearer <token>");
    }

    private void consoleRoutes(Router r) {
        r.get(adminApi + "/sign-in")
                .handler(rc -> rc.response()
                        .putHeader("Content-Type", JSON_TYPE)
                        .end(object().put("password", console.hasPasswordUsers())
                                .put("oidc", console.oidc().isPresent())
                                .toString()));
        r.post(adminApi + "/login").handler(this::login);
        console.oidc().ifPresent(oidc -> {
            r.get(adminApi + "/oidc/login").handler(rc -> oidcStart(rc, oidc));
            r.get(adminApi + "/oidc/callback").handler(rc -> oidcCallback(rc, oidc));
        });
        r.route(adminApi + "/*").handler(this::consoleGate);
        r.post(adminApi + "/logout")
                .handler(rc -> rc.response()
                        .putHeader("Set-Cookie", cookie(rc, "", 0))
                        .putHeader("Content-Type", JSON_TYPE)
                        .end(SUCCESS));
        r.get(adminApi + "/me").handler(rc -> {
            ConsoleAccess.Principal p = rc.get(PRINCIPAL);
            rc.response()
                    .putHeader("Content-Type", JSON_TYPE)
                    .end(object().put("name", p.name())
                            .put("role", p.role().wire())
                            .put("csrf", p.csrf())
                            .put("mode", console.mode())
                            .toString());
        });
        r.get(adminApi + "/transactions").handler(serve("console_list", rc -> {
            ObjectNode page = all(rc);
            page.path("transactions").forEach(t -> Redaction.branchHeaders((ObjectNode) t, json));
            return page;
        }));
        r.get(adminApi + "/transactions/:gid").handler(serve("console_show", this::consoleShow));
        Function<RoutingContext, String> gid = rc -> rc.pathParam("gid");
        r.post(adminApi + "/transactions/:gid/retry")
                .handler(consoleAction("retry", gid, rc -> engine.resetNextCronTime(gid.apply(rc))));
        r.post(adminApi + "/transactions/:gid/stop")
                .handler(consoleAction("stop", gid, rc -> engine.forceStop(gid.apply(rc))));
        r.post(adminApi + "/transactions/:gid/replay").handler(consoleAction("replay", gid, rc -> {
            if (engine.replayParked(gid.apply(rc)) == Engine.ParkedAction.NOT_PARKED) {
                throw DtmException.failure("gid '" + gid.apply(rc) + "' is not parked");
            }
        }));
        r.get(adminApi + "/topics").handler(serve("console_topics", rc -> {
            ObjectNode n = object();
            ArrayNode list = n.putArray("topics");
            store.findKv(Topics.CATEGORY, "").forEach(e -> list.add(wire.kv(e)));
            return n;
        }));
        Function<RoutingContext, String> topicAndUrl = rc -> rc.pathParam("topic") + " " + bodyField(rc, "url");
        r.post(adminApi + "/topics/:topic/subscribe").handler(consoleAction("subscribe", topicAndUrl, rc -> {
            engine.checkSubscriber(bodyField(rc, "url"));
            topics.subscribe(rc.pathParam("topic"), bodyField(rc, "url"), bodyField(rc, "remark"));
        }));
        r.post(adminApi + "/topics/:topic/unsubscribe")
                .handler(consoleAction(
                        "unsubscribe",
                        topicAndUrl,
                        rc -> topics.unsubscribe(rc.pathParam("topic"), bodyField(rc, "url"))));
        r.post(adminApi + "/topics/:topic/delete")
                .handler(consoleAction(
                        "delete topic", rc -> rc.pathParam("topic"), rc -> topics.delete(rc.pathParam("topic"))));
        r.get(adminApi + "/nodes").handler(serve("console_nodes", rc -> nodes()));
        r.get(adminApi + "/overview").handler(serve("console_overview", this::overview));
        r.get(adminApi + "/audit").handler(serve("console_audit", rc -> {
            ObjectNode n = object();
            n.set("entries", json.valueToTree(audit.recent((int) Math.min(1000, intParam(rc, "limit", 100)))));
            return n;
        }));
        // the page: static files from the jar, and Preact from its WebJar (nothing from outside)
        r.get(console.basePath() + "/").handler(rc -> rc.redirect(adminPage));
        r.get(console.basePath() + "/admin")
                .handler(
                        rc -> { // Vert.x matches "/admin/" here too
                            if (rc.request().path().endsWith("/")) {
                                rc.next();
                            } else {
                                rc.redirect(adminPage);
                            }
                        });
        String policy = ConsolePolicy.contentSecurityPolicy();
        r.route(adminPage + "*").handler(rc -> {
            rc.response()
                    .putHeader("Content-Security-Policy", policy)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("X-Frame-Options", "DENY") // no clickjacking of the action buttons
                    .putHeader("Referrer-Policy", "no-referrer");
            rc.next();
        });
        r.route(adminPage + "vendor/preact/*").handler(StaticHandler.create(PREACT));
        r.route(adminPage + "*").handler(StaticHandler.create("console").setIndexPage("index.html"));
    }

    /** Lets a console request through on behalf of its principal, or answers 401/403 (docs/security.md#console). */
    private void consoleGate(RoutingContext rc) {
        var cookie = rc.request().getCookie(ConsoleAccess.COOKIE);
        var decision = console.decide(
                rc.request().remoteAddress().hostAddress(),
                rc.request().getHeader("Host"),
                cookie == null ? null : cookie.getValue());
        if (!decision.allowed()) {
            respondError(rc, decision.status(), decision.refusal());
            return;
        }
        rc.put(PRINCIPAL, decision.principal());
        rc.next();
    }

    /**
     * An operator's action: role and CSRF token checked, the outcome written to the audit log with
     * {@code target} (a gid, a topic…) of the request.
     */
    private io.vertx.core.Handler<RoutingContext> consoleAction(
            String action, Function<RoutingContext, String> target, Consumer<RoutingContext> act) {
        return rc -> {
            ConsoleAccess.Principal p = rc.get(PRINCIPAL);
            if (!p.mayAct()) {
                respondError(rc, 403, "role " + p.role().wire() + " may only read: " + action + " needs role operator");
                return;
            }
            if (!ConsoleAccess.csrfMatches(p, rc.request().getHeader("X-CSRF-Token"))) {
                respondError(rc, 403, "missing or wrong X-CSRF-Token");
                return;
            }
            serve("console_" + action, r -> {
                        String what = target.apply(r);
                        try {
                            act.accept(r);
                        } catch (RuntimeException e) {
                            audit.record(p.name(), action, what, "refused: " + e.getMessage());
                            throw e;
                        }
                        audit.record(p.name(), action, what, "done");
                        return null;
                    })
                    .handle(rc);
        };
    }

    /** A string field of the request's JSON body, "" when absent or not JSON. */
    private String bodyField(RoutingContext rc, String name) {
        try {
            JsonNode body = json.readTree(rc.body().asString());
            return body == null ? "" : body.path(name).asText("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Signs in: the session cookie for a right name and password, 401 otherwise (the audit log says which). */
    private void login(RoutingContext rc) {
        if (!console.hasPasswordUsers()) {
            respondError(rc, 400, "no console user signs in with a password here (Console.Users is empty)");
            return;
        }
        JsonNode body;
        try {
            body = json.readTree(rc.body().asString());
        } catch (IOException | RuntimeException e) {
            body = null;
        }
        String name = body == null ? "" : body.path("name").asText("");
        String password = body == null ? "" : body.path("password").asText("");
        Context context = Vertx.currentContext();
        executor.execute(
                () -> { // bcrypt takes a quarter of a second on purpose: not on the event loop
                    var signIn = console.login(name, password);
                    switch (signIn.result()) {
                        case OK -> audit.record(name, "login", "", "done");
                        case REFUSED -> audit.record(name, "login", "", "refused: wrong name or password");
                        case BUSY -> {} // nothing was checked
                    }
                    context.runOnContext(v -> {
                        if (signIn.result() == ConsoleAccess.SignInResult.BUSY) {
                            rc.response().putHeader("Retry-After", "1");
                            respondError(rc, 429, "too many sign-ins at once: try again in a second");
                            return;
                        }
                        if (signIn.result() == ConsoleAccess.SignInResult.REFUSED) {
                            respondError(rc, 401, "wrong name or password");
                            return;
                        }
                        rc.response()
                                .putHeader(
                                        "Set-Cookie",
                                        cookie(
                                                rc,
                                                signIn.cookie(),
                                                console.ttl().toSeconds()))
                                .putHeader("Content-Type", JSON_TYPE)
                                .end(SUCCESS);
                    });
                });
    }

    /** The session cookie: for the console's API only, HttpOnly, SameSite=Strict, Secure over TLS; {@code maxAge} 0 removes it. */
    private String cookie(RoutingContext rc, String value, long maxAge) {
        return ConsoleAccess.COOKIE + "=" + value + "; Path=" + adminApi + "; HttpOnly; SameSite=Strict; Max-Age="
                + maxAge + (rc.request().isSSL() ? "; Secure" : "");
    }

    /**
     * The cookie of a single sign-on in progress: SameSite=Lax, because the provider's redirect back
     * is a navigation from another site, which a Strict cookie would miss.
     */
    private String flowCookie(RoutingContext rc, String value, long maxAge) {
        return OidcSignIn.FLOW_COOKIE + "=" + value + "; Path=" + adminApi + "/oidc; HttpOnly; SameSite=Lax; Max-Age="
                + maxAge + (rc.request().isSSL() ? "; Secure" : "");
    }

    /** Sends the browser to the OpenID Connect provider (docs/security.md#single-sign-on). */
    private void oidcStart(RoutingContext rc, OidcSignIn oidc) {
        Context context = Vertx.currentContext();
        executor.execute(
                () -> { // the first sign-in reads the provider's discovery document
                    try {
                        OidcSignIn.Start start = oidc.start();
                        context.runOnContext(v -> rc.response()
                                .setStatusCode(302)
                                .putHeader("Location", start.location().toString())
                                .putHeader(
                                        "Set-Cookie", flowCookie(rc, start.cookie(), OidcSignIn.FLOW_TTL.toSeconds()))
                                .putHeader("Cache-Control", "no-store")
                                .end());
                    } catch (OidcSignIn.Refused e) {
                        log.warn("console single sign-on cannot start: {}", e.getMessage());
                        context.runOnContext(v -> respondError(rc, 502, e.getMessage()));
                    }
                });
    }

    /** The provider's redirect back: a session for a user with a role, a refusal otherwise (audited). */
    private void oidcCallback(RoutingContext rc, OidcSignIn oidc) {
        String code = rc.request().getParam("code");
        String state = rc.request().getParam("state");
        String error = rc.request().getParam("error");
        var flow = rc.request().getCookie(OidcSignIn.FLOW_COOKIE);
        Context context = Vertx.currentContext();
        executor.execute(
                () -> { // the token endpoint is called from here
                    String session = null;
                    String refusal;
                    try {
                        ConsoleUsers.User user = oidc.finish(code, state, error, flow == null ? null : flow.getValue());
                        session = console.sessionFor(user);
                        audit.record(user.name(), "login", "single sign-on", "done");
                        refusal = null;
                    } catch (OidcSignIn.Refused e) {
                        audit.record("", "login", "single sign-on", "refused: " + e.getMessage());
                        refusal = e.getMessage();
                    }
                    String signedIn = session;
                    String why = refusal;
                    context.runOnContext(v -> {
                        rc.response()
                                .headers()
                                .add("Set-Cookie", flowCookie(rc, "", 0))
                                .add("Cache-Control", "no-store");
                        if (why != null) {
                            respondError(rc, 403, "single sign-on refused: " + why);
                            return;
                        }
                        rc.response().setStatusCode(302).putHeader("Location", adminPage);
                        rc.response()
                                .headers()
                                .add(
                                        "Set-Cookie",
                                        cookie(rc, signedIn, console.ttl().toSeconds()));
                        rc.response().end();
                    });
                });
    }

    /**
     * What the console's overview shows: the counts by status (up to {@link #COUNT_CAP} each), the due
     * queue, parked transactions, nodes, this node's rounds so far (the page turns two readings into a
     * rate), and the stuck transactions: unfinished and created more than {@code stuckMinutes} (default
     * 10) ago, oldest first, at most 20 per status.
     */
    private Object overview(RoutingContext rc) {
        Instant now = clock.instant();
        long minutes = intParam(rc, "stuckMinutes", 10);
        ObjectNode n = object().put("due", store.countDue(now))
                .put("parked", engine.parking().count())
                .put(
                        "nodes_alive",
                        nodes.list().stream().filter(Nodes.Listed::alive).count())
                .put("stuck_minutes", minutes);
        n.set("rounds", json.valueToTree(metrics.roundsSoFar()));
        ObjectNode counts = n.putObject("counts");
        store.countByStatus(COUNT_CAP)
                .forEach((status, c) ->
                        counts.putObject(status.wire()).put("count", c.count()).put("more", c.more()));
        List<GlobalTrans> stuck = new ArrayList<>();
        for (TransStatus status : List.of(TransStatus.PREPARED, TransStatus.SUBMITTED, TransStatus.ABORTING)) {
            var filter = new GlobalFilter(status, null, null, now.minus(Duration.ofMinutes(minutes)));
            stuck.addAll(store.scanGlobals("", 20, filter).items());
        }
        stuck.sort(Comparator.comparing(GlobalTrans::createTime));
        ArrayNode list = n.putArray("stuck");
        stuck.forEach(g -> list.add(wire.global(g)));
        return n;
    }

    /** A transaction as the console shows it: dtm's query, the last failed calls, the parking mark. */
    private Object consoleShow(RoutingContext rc) {
        String gid = rc.pathParam("gid");
        ObjectNode n = transactionAndBranches(gid);
        if (n.get("transaction") instanceof ObjectNode t) {
            Redaction.branchHeaders(t, json);
        }
        n.set("attempts", json.valueToTree(engine.attempts(gid)));
        n.set("parked", json.valueToTree(engine.parking().markOf(gid).orElse(null)));
        return n;
    }

    /** {@code {"nodes":[{…entry…,"alive":true}]}}: this node first (docs/operations.md#nodes). */
    private ObjectNode nodes() {
        ObjectNode n = object();
        ArrayNode list = n.putArray("nodes");
        for (Nodes.Listed l : nodes.list()) {
            ObjectNode node = json.valueToTree(l.node());
            node.put("alive", l.alive());
            list.add(node);
        }
        return n;
    }

    private void respondError(RoutingContext rc, int status, String message) {
        rc.response()
                .setStatusCode(status)
                .putHeader("Content-Type", JSON_TYPE)
                .end(object().put("message", message).toString());
    }

    private void metrics(RoutingContext rc) {
        Context context = Vertx.currentContext();
        executor.execute(() -> {
            Buffer body = Buffer.buffer(metrics.scrape());
            context.runOnContext(v -> rc.response()
                    .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(body));
        });
    }

    private TransRequest transRequest(RoutingContext rc) {
        Buffer body = rc.body().buffer();
        if (body == null || body.length() == 0) {
            throw DtmException.badRequest("request body is empty, a JSON object is expected");
        }
        try {
            TransRequest request = json.readValue(body.getBytes(), TransRequest.class);
            if (request == null) {
                throw DtmException.badRequest("request body is null, a JSON object is expected");
            }
            return request.withTraceContext(TraceContext.from(rc.request()::getHeader));
        } catch (JsonProcessingException e) {
            throw DtmException.badRequest("malformed JSON in request body: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw DtmException.badRequest("unreadable request body: " + e.getMessage());
        }
    }

    /** Reads a flat JSON object whose values must all be strings, as dtm's registerBranch binder does. */
    private Map<String, String> stringFields(RoutingContext rc) {
        JsonNode root = jsonBody(rc);
        if (!root.isObject()) {
            throw DtmException.badRequest("request body must be a JSON object of strings");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (var e : root.properties()) {
            if (!e.getValue().isTextual()) {
                throw DtmException.badRequest("value of '" + e.getKey() + "' must be a string, not " + e.getValue());
            }
            fields.put(e.getKey(), e.getValue().textValue());
        }
        return fields;
    }

    private JsonNode jsonBody(RoutingContext rc) {
        Buffer body = rc.body().buffer();
        if (body == null || body.length() == 0) {
            throw DtmException.badRequest("request body is empty, a JSON object is expected");
        }
        try {
            return json.readTree(body.getBytes());
        } catch (java.io.IOException e) {
            throw DtmException.badRequest("malformed JSON in request body: " + e.getMessage());
        }
    }

    private Object query(RoutingContext rc) {
        String gid = param(rc, "gid");
        if (gid.isEmpty()) {
            throw DtmException.error("no gid specified");
        }
        return transactionAndBranches(gid);
    }

    /** {@code {"branches":[…],"transaction":{…}}}, transaction null for an unknown gid (dtm's query). */
    private ObjectNode transactionAndBranches(String gid) {
        ObjectNode n = object();
        ArrayNode branches = n.putArray("branches");
        store.findTrans(gid)
                .ifPresentOrElse(
                        t -> {
                            t.branches().forEach(b -> branches.add(wire.branch(b)));
                            n.set("transaction", wire.global(t.global()));
                        },
                        () -> n.putNull("transaction"));
        return n;
    }

    private ObjectNode all(RoutingContext rc) {
        String position = position(rc);
        ObjectNode n = object();
        String gid = param(rc, "gid");
        if (!gid.isEmpty()) {
            store.findGlobal(gid)
                    .ifPresentOrElse(
                            g -> n.putArray("transactions").add(wire.global(g)), () -> n.putNull("transactions"));
            n.put("next_position", position);
            return n;
        }
        var filter = new GlobalFilter(
                param(rc, "status").isEmpty()
                        ? null
                        : TransStatus.fromWire(param(rc, "status"))
                                .orElseThrow(
                                        () -> DtmException.badRequest("unknown status '" + param(rc, "status") + "'")),
                param(rc, "transType").isEmpty()
                        ? null
                        : TransType.fromWire(param(rc, "transType"))
                                .orElseThrow(() ->
                                        DtmException.badRequest("unknown transType '" + param(rc, "transType") + "'")),
                millis(rc, "createTimeStart"),
                millis(rc, "createTimeEnd"),
                param(rc, "gidPrefix").isEmpty() ? null : param(rc, "gidPrefix"),
                millis(rc, "updateTimeStart"),
                millis(rc, "updateTimeEnd"));
        Page<GlobalTrans> page = store.scanGlobals(position, (int) intParam(rc, "limit", 100), filter);
        ArrayNode list = n.putArray("transactions");
        page.items().forEach(g -> list.add(wire.global(g)));
        n.put("next_position", page.nextPosition());
        return n;
    }

    private Object resetCronTime(RoutingContext rc) {
        long timeout = intParam(rc, "timeout", defaultResetTimeout);
        if (timeout > MAX_RESET_TIMEOUT) { // now + timeout would overflow the clock arithmetic
            throw DtmException.badRequest(
                    "query parameter 'timeout' must be at most " + MAX_RESET_TIMEOUT + " seconds: " + timeout);
        }
        int limit = (int) intParam(rc, "limit", 100);
        Instant now = clock.instant();
        Store.ResetResult result = store.resetCronTime(now.plusSeconds(timeout), limit, now);
        return object().put("has_remaining", result.hasRemaining()).put("succeed_count", result.changed());
    }

    private Object parked(RoutingContext rc) {
        Page<Parking.Parked> page = engine.parking().list(position(rc), (int) intParam(rc, "limit", 100));
        ObjectNode n = object();
        ArrayNode list = n.putArray("parked");
        page.items().forEach(p -> list.add(wire.parked(p)));
        n.put("next_position", page.nextPosition());
        return n;
    }

    /** Applies {@code action} to each gid of the body {@code {"gids":[…]}}; answers each one's outcome. */
    private Object onParked(RoutingContext rc, Function<String, Engine.ParkedAction> action) {
        JsonNode gids = jsonBody(rc).path("gids");
        if (!gids.isArray() || gids.isEmpty() || gids.size() > MAX_GIDS) {
            throw DtmException.badRequest("the body must be {\"gids\":[…]} with 1 to " + MAX_GIDS + " gids");
        }
        ObjectNode results = object();
        for (JsonNode gid : gids) {
            if (!gid.isTextual()) {
                throw DtmException.badRequest("gids must be strings, not " + gid);
            }
        }
        for (JsonNode gid : gids) {
            results.put(gid.asText(), action.apply(gid.asText()).name().toLowerCase(Locale.ROOT));
        }
        ObjectNode n = object();
        n.set("results", results);
        return n;
    }

    private Object scanKv(RoutingContext rc) {
        Page<KvEntry> page = store.scanKv(param(rc, "cat"), position(rc), (int) intParam(rc, "limit", 100));
        ObjectNode n = object();
        ArrayNode list = n.putArray("kv");
        page.items().forEach(e -> list.add(wire.kv(e)));
        n.put("next_position", page.nextPosition());
        return n;
    }

    private Object queryKv(RoutingContext rc) {
        List<KvEntry> entries = store.findKv(param(rc, "cat"), param(rc, "key"));
        ObjectNode n = object();
        ArrayNode list = n.putArray("kv");
        entries.forEach(e -> list.add(wire.kv(e)));
        return n;
    }

    private ObjectNode object() {
        return json.createObjectNode();
    }

    private static String param(RoutingContext rc, String name) {
        String v = rc.request().getParam(name);
        return v == null ? "" : v;
    }

    /** Returns the paging cursor: empty, or a {@code next_position} this server returned. */
    private static String position(RoutingContext rc) {
        String v = param(rc, "position");
        if (!v.chars().allMatch(Character::isDigit) || (!v.isEmpty() && !fitsLong(v))) {
            throw DtmException.badRequest("query parameter 'position' must be a next_position returned earlier: " + v);
        }
        return v;
    }

    /** Whether the digits {@code v} fit a long: next_position values are row ids. */
    private static boolean fitsLong(String v) {
        try {
            Long.parseLong(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static long intParam(RoutingContext rc, String name, long fallback) {
        String v = param(rc, name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw DtmException.badRequest("query parameter '" + name + "' must not be negative: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw DtmException.badRequest("query parameter '" + name + "' is not an integer: " + v);
        }
    }

    private static Instant millis(RoutingContext rc, String name) {
        String v = param(rc, name);
        return v.isEmpty() ? null : Instant.ofEpochMilli(intParam(rc, name, 0)).truncatedTo(ChronoUnit.SECONDS);
    }
}
