package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.security.ConsoleAccess;
import io.dtm4j.server.security.ConsoleUsers;
import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The console's API (docs/console.md, docs/security.md#console): signed-in users with roles, a signed
 * session cookie, CSRF tokens on actions, every action in the audit log; without users, loopback
 * clients only.
 */
class ConsoleApiTest {
    static final String USERS = "alice:operator:" + ConsoleUsers.hash("alice-password") + ", bob:viewer:"
            + ConsoleUsers.hash("bob-password");
    static final TestServer dtm = new TestServer(c -> Configs.security(
            c,
            new ServerConfig.Security(
                    ApiTokens.NONE,
                    ServerConfig.Tls.NONE,
                    new ServerConfig.Console(ConsoleUsers.parse(USERS), false, "", 60))));
    static final TestServer loopbackOnly = new TestServer();
    static final BusinessStub busi = new BusinessStub();
    static final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterAll
    static void stop() {
        dtm.close();
        loopbackOnly.close();
        busi.close();
    }

    record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

    static Answer send(TestServer server, String method, String path, String body, Map<String, String> headers) {
        var request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        headers.forEach(request::header);
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            boolean json = r.headers().firstValue("Content-Type").orElse("").contains("json");
            return new Answer(r.statusCode(), json && !r.body().isEmpty() ? server.parse(r.body()) : null, r);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Signs in; returns the Cookie header value and the CSRF token. */
    static String[] signIn(String name, String password) {
        Answer login = send(
                dtm,
                "POST",
                "/admin/api/login",
                "{\"name\":\"" + name + "\",\"password\":\"" + password + "\"}",
                Map.of());
        assertThat(login.status()).isEqualTo(200);
        String setCookie = login.raw().headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly", "SameSite=Strict", "Max-Age=3600", "Path=/admin/api;");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        Answer me = send(dtm, "GET", "/admin/api/me", "", Map.of("Cookie", cookie));
        assertThat(me.body().path("name").asText()).isEqualTo(name);
        return new String[] {cookie, me.body().path("csrf").asText()};
    }

    /** Submits a saga whose action answers 500; returns once its first round failed. */
    static void submitFailingSaga(String gid) {
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga(gid)
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                        .body());
        await().until(() -> dtm.nextCronInterval(gid) == 20);
    }

    @Test
    void thePageComesWithAPolicyThatAllowsOnlyItsOwnScripts() {
        Answer page = send(loopbackOnly, "GET", "/admin/", "", Map.of());
        assertThat(page.status()).isEqualTo(200);
        String policy =
                page.raw().headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(policy)
                .contains("script-src 'self' 'sha256-"
                        + ConsolePolicy.importMapHash(page.raw().body()) + "'")
                .contains("frame-ancestors 'none'")
                .doesNotContain("unsafe-inline");
        assertThat(page.raw().headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }

    @Test
    void underAnAdminBasePathThePageAndItsApiMoveTogether() {
        try (var below = new TestServer(c -> Configs.security(
                c,
                new ServerConfig.Security(
                        ApiTokens.NONE,
                        ServerConfig.Tls.NONE,
                        new ServerConfig.Console(
                                ConsoleUsers.parse(USERS), false, "", 60, "/ops/dtm", ServerConfig.Oidc.NONE))))) {
            assertThat(send(below, "GET", "/ops/dtm/", "", Map.of())
                            .raw()
                            .headers()
                            .firstValue("Location"))
                    .hasValue("/ops/dtm/admin/");
            Answer page = send(below, "GET", "/ops/dtm/admin/", "", Map.of());
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.raw().body()).contains("src=\"console.js\"").doesNotContain("\"/admin");
            assertThat(send(below, "GET", "/ops/dtm/admin/console.js", "", Map.of())
                            .status())
                    .isEqualTo(200);
            assertThat(send(below, "GET", "/ops/dtm/admin/vendor/preact/dist/preact.module.js", "", Map.of())
                            .status())
                    .isEqualTo(200);
            assertThat(send(below, "GET", "/ops/dtm/admin/api/sign-in", "", Map.of())
                            .body()
                            .toString())
                    .isEqualTo("{\"password\":true,\"oidc\":false}");
            Answer login = send(
                    below,
                    "POST",
                    "/ops/dtm/admin/api/login",
                    "{\"name\":\"bob\",\"password\":\"bob-password\"}",
                    Map.of());
            String setCookie = login.raw().headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(setCookie).contains("Path=/ops/dtm/admin/api;");
            String cookie = setCookie.substring(0, setCookie.indexOf(';'));
            assertThat(send(below, "GET", "/ops/dtm/admin/api/me", "", Map.of("Cookie", cookie))
                            .body()
                            .path("role")
                            .asText())
                    .isEqualTo("viewer");
            // nothing of the console at the root any more; the transaction API stays where SDKs call it
            assertThat(send(below, "GET", "/admin/", "", Map.of()).status()).isEqualTo(404);
            assertThat(send(below, "GET", "/admin/api/me", "", Map.of()).status())
                    .isEqualTo(404);
            assertThat(send(below, "GET", "/api/ping", "", Map.of()).status()).isEqualTo(200);
        }
    }

    @Test
    void withoutUsersOnlyLoopbackClientsGetInAsOperators() {
        Answer me = send(loopbackOnly, "GET", "/admin/api/me", "", Map.of());
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.body().path("mode").asText()).isEqualTo("loopback");
        assertThat(me.body().path("role").asText()).isEqualTo("operator");

        // the decision on the request's remote address (no traffic from a non-loopback address here)
        var access = new ConsoleAccess(ServerConfig.Console.LOOPBACK, dtm.clock);
        assertThat(access.decide("127.0.0.1", "localhost:36789", null).allowed())
                .isTrue();
        assertThat(access.decide("::1", "[::1]:36789", null).allowed()).isTrue();
        assertThat(access.decide("::ffff:127.0.0.1", "127.0.0.1:36789", null).allowed())
                .isTrue();
        var remote = access.decide("10.1.2.3", "dtm.internal:36789", null);
        assertThat(remote.allowed()).isFalse();
        assertThat(remote.status()).isEqualTo(403);
        assertThat(remote.refusal()).contains("loopback clients only", "Console.Users");
        assertThat(access.decide("localhost", "localhost", null).allowed())
                .as("a name is never resolved")
                .isFalse();
        var rebound = access.decide("127.0.0.1", "attacker.example:36789", null);
        assertThat(rebound.allowed())
                .as("DNS rebinding: a loopback connection naming another host")
                .isFalse();
        assertThat(rebound.refusal()).contains("open the console as localhost");
        assertThat(access.decide("127.0.0.1", "localhost", null).allowed()).isTrue();
        var open = new ConsoleAccess(new ServerConfig.Console(ConsoleUsers.NONE, true, "", 60), dtm.clock);
        assertThat(open.decide("10.1.2.3", "dtm.internal", null).allowed()).isTrue();
    }

    @Test
    void withUsersEveryRequestNeedsASessionAndAWrongPasswordIsRefused() {
        assertThat(send(dtm, "GET", "/admin/api/me", "", Map.of()).status()).isEqualTo(401);
        assertThat(send(dtm, "GET", "/admin/api/transactions", "", Map.of()).status())
                .isEqualTo(401);
        assertThat(send(dtm, "POST", "/admin/api/login", "{\"name\":\"alice\",\"password\":\"guess\"}", Map.of())
                        .status())
                .isEqualTo(401);
        assertThat(send(dtm, "POST", "/admin/api/login", "{\"name\":\"mallory\",\"password\":\"x\"}", Map.of())
                        .status())
                .isEqualTo(401);
        assertThat(send(dtm, "GET", "/admin/api/me", "", Map.of("Cookie", ConsoleAccess.COOKIE + "=forged.value"))
                        .status())
                .isEqualTo(401);
        String[] alice = signIn("alice", "alice-password");
        String tampered = alice[0].substring(0, alice[0].length() - 2) + "xx";
        assertThat(send(dtm, "GET", "/admin/api/me", "", Map.of("Cookie", tampered))
                        .status())
                .isEqualTo(401);

        JsonNode audit = send(dtm, "GET", "/admin/api/audit", "", Map.of("Cookie", alice[0]))
                .body();
        assertThat(audit.path("entries").findValuesAsText("result")).contains("refused: wrong name or password");
    }

    @Test
    void anOperatorSeesWhyABranchFailsRetriesItAndTheAuditLogSaysSo() {
        String gid = "console-retry";
        submitFailingSaga(gid);
        String[] alice = signIn("alice", "alice-password");

        JsonNode shown = send(dtm, "GET", "/admin/api/transactions/" + gid, "", Map.of("Cookie", alice[0]))
                .body();
        assertThat(shown.path("transaction").path("status").asText()).isEqualTo("submitted");
        assertThat(shown.path("attempts").path("01 action").get(0).path("error").asText())
                .contains("internal error");
        JsonNode listed = send(dtm, "GET", "/admin/api/transactions?gidPrefix=console-", "", Map.of("Cookie", alice[0]))
                .body();
        assertThat(listed.path("transactions").findValuesAsText("gid")).contains(gid);

        String retry = "/admin/api/transactions/" + gid + "/retry";
        assertThat(send(dtm, "POST", retry, "", Map.of("Cookie", alice[0])).status())
                .as("no CSRF token")
                .isEqualTo(403);
        busi.alwaysFor(gid, "TransOut", Reply.SUCCESS);
        assertThat(send(dtm, "POST", retry, "", Map.of("Cookie", alice[0], "X-CSRF-Token", alice[1]))
                        .status())
                .isEqualTo(200);
        dtm.cron();
        await().until(() -> dtm.status(gid).equals("succeed"));

        Answer replay = send(
                dtm,
                "POST",
                "/admin/api/transactions/" + gid + "/replay",
                "",
                Map.of("Cookie", alice[0], "X-CSRF-Token", alice[1]));
        assertThat(replay.status()).isEqualTo(409);
        assertThat(replay.body().path("message").asText()).startsWith("gid '" + gid + "' is not parked");

        String stop = "/admin/api/transactions/" + gid + "/stop";
        assertThat(send(dtm, "POST", stop, "", Map.of("Cookie", alice[0], "X-CSRF-Token", alice[1]))
                        .status())
                .as("a finished transaction cannot be stopped")
                .isEqualTo(409);
        JsonNode entries = send(dtm, "GET", "/admin/api/audit", "", Map.of("Cookie", alice[0]))
                .body()
                .path("entries");
        assertThat(entries.get(0).path("action").asText())
                .as(entries.toString())
                .isEqualTo("stop");
        assertThat(entries.get(0).path("result").asText()).startsWith("refused:");
        assertThat(entries.get(1).path("action").asText())
                .as(entries.toString())
                .isEqualTo("replay");
        assertThat(entries.get(2).path("who").asText()).as(entries.toString()).isEqualTo("alice");
        assertThat(entries.get(2).path("action").asText())
                .as(entries.toString())
                .isEqualTo("retry");
        assertThat(entries.get(2).path("target").asText()).isEqualTo(gid);
        assertThat(entries.get(2).path("result").asText()).isEqualTo("done");
    }

    @Test
    void credentialsInBranchHeadersAreHiddenFromTheConsoleButNotFromDtmsQuery() {
        String gid = "console-secret-headers";
        dtm.post(
                "/api/dtmsvr/prepare",
                Trans.msg(gid)
                        .step(busi.url("TransIn"), "{}")
                        .set("branch_headers", Map.of("Authorization", "Bearer s3cr3t", "X-Tenant", "acme"))
                        .body());
        String[] alice = signIn("alice", "alice-password");

        String shown = send(dtm, "GET", "/admin/api/transactions/" + gid, "", Map.of("Cookie", alice[0]))
                .body()
                .path("transaction")
                .path("options")
                .asText();
        assertThat(shown).doesNotContain("s3cr3t").contains("***", "acme");
        String listed = send(dtm, "GET", "/admin/api/transactions?gidPrefix=" + gid, "", Map.of("Cookie", alice[0]))
                .body()
                .toString();
        assertThat(listed).doesNotContain("s3cr3t").contains("acme");
        assertThat(dtm.transaction(gid).path("options").asText()).contains("s3cr3t"); // the SDKs' query: as stored
    }

    @Test
    void theOverviewCountsAndListsTheStuckTransactions() {
        String gid = "console-stuck";
        submitFailingSaga(gid);
        String[] alice = signIn("alice", "alice-password");

        JsonNode fresh = send(dtm, "GET", "/admin/api/overview", "", Map.of("Cookie", alice[0]))
                .body();
        assertThat(fresh.path("stuck").findValuesAsText("gid")).doesNotContain(gid);
        assertThat(fresh.path("rounds").path("ok").asLong()).isGreaterThanOrEqualTo(1); // its first round ran
        assertThat(fresh.path("rounds").has("fail")).isTrue();
        assertThat(fresh.path("nodes_alive").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(fresh.path("counts").fieldNames())
                .toIterable()
                .containsExactlyInAnyOrder("prepared", "submitted", "aborting", "succeed", "failed");
        assertThat(fresh.path("counts").path("submitted").path("count").asLong())
                .isGreaterThanOrEqualTo(1);
        assertThat(fresh.path("counts").path("submitted").path("more").asBoolean())
                .isFalse();

        dtm.clock.advance(Duration.ofMinutes(11));
        JsonNode later = send(dtm, "GET", "/admin/api/overview?stuckMinutes=10", "", Map.of("Cookie", alice[0]))
                .body();
        assertThat(later.path("stuck").findValuesAsText("gid")).contains(gid);
        assertThat(later.path("due").asLong()).isGreaterThanOrEqualTo(1); // its retry is due by now
    }

    @Test
    void anOperatorManagesTopicsAndEveryChangeIsAudited() {
        String[] alice = signIn("alice", "alice-password");
        Map<String, String> act = Map.of("Cookie", alice[0], "X-CSRF-Token", alice[1]);
        String url = busi.url("TransIn");
        assertThat(send(dtm, "POST", "/admin/api/topics/orders/subscribe", "{\"url\":\"" + url + "\"}", act)
                        .status())
                .isEqualTo(200);
        assertThat(send(dtm, "GET", "/admin/api/topics", "", act).body().toString())
                .contains("orders", url);
        Answer metadata =
                send(dtm, "POST", "/admin/api/topics/orders/subscribe", "{\"url\":\"file:///etc/passwd\"}", act);
        assertThat(metadata.status()).isEqualTo(400);
        assertThat(send(dtm, "POST", "/admin/api/topics/orders/unsubscribe", "{\"url\":\"" + url + "\"}", act)
                        .status())
                .isEqualTo(200);
        assertThat(send(dtm, "POST", "/admin/api/topics/orders/delete", "", act).status())
                .isEqualTo(200);

        JsonNode entries = send(dtm, "GET", "/admin/api/audit", "", act).body().path("entries");
        assertThat(entries.findValuesAsText("action"))
                .containsSubsequence("delete topic", "unsubscribe", "subscribe", "subscribe");
        assertThat(entries.get(2).path("result").asText())
                .startsWith("refused:")
                .contains("file:///etc/passwd");
        assertThat(entries.get(1).path("target").asText()).isEqualTo("orders " + url);
    }

    @Test
    void aViewerReadsButCannotActAndASessionExpires() {
        String[] bob = signIn("bob", "bob-password");
        assertThat(send(dtm, "GET", "/admin/api/nodes", "", Map.of("Cookie", bob[0]))
                        .status())
                .isEqualTo(200);
        Answer refused = send(
                dtm, "POST", "/admin/api/transactions/any/stop", "", Map.of("Cookie", bob[0], "X-CSRF-Token", bob[1]));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body().path("message").asText())
                .isEqualTo("role viewer may only read: stop needs role operator");

        dtm.clock.advance(Duration.ofMinutes(61));
        assertThat(send(dtm, "GET", "/admin/api/me", "", Map.of("Cookie", bob[0]))
                        .status())
                .isEqualTo(401);
    }
}
