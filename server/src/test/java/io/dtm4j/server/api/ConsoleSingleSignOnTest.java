package io.dtm4j.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ApiTokens;
import io.dtm4j.server.security.ConsoleUsers;
import io.dtm4j.server.testing.Configs;
import io.dtm4j.server.testing.OidcProviderStub;
import io.dtm4j.server.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Console sign-in through an OpenID Connect provider (docs/security.md#single-sign-on), driven as a
 * browser would: to the provider and back with the code, against a provider stub that checks the
 * client secret and the PKCE verifier; roles from {@code Console.Oidc.Users}; forged, foreign and
 * unlisted sign-ins refused and audited.
 */
class ConsoleSingleSignOnTest {
    static final OidcProviderStub idp = new OidcProviderStub();
    static final String CALLBACK = "http://localhost/admin/api/oidc/callback";
    static final TestServer dtm = new TestServer(c -> Configs.security(
            c,
            new ServerConfig.Security(
                    ApiTokens.NONE,
                    ServerConfig.Tls.NONE,
                    new ServerConfig.Console(
                            ConsoleUsers.NONE,
                            false,
                            "",
                            60,
                            "",
                            new ServerConfig.Oidc(
                                    idp.issuer(),
                                    OidcProviderStub.CLIENT_ID,
                                    OidcProviderStub.CLIENT_SECRET,
                                    CALLBACK,
                                    List.of(
                                            "ops@example.com:operator",
                                            "group:sre:operator",
                                            "*@example.com:viewer"))))));
    static final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterAll
    static void stop() {
        dtm.close();
        idp.close();
    }

    static HttpResponse<String> get(String url, String cookie) {
        var request = HttpRequest.newBuilder(URI.create(url));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String cookie(HttpResponse<?> r, String name) {
        return r.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(name + "=") && !c.startsWith(name + "=;"))
                .map(c -> c.substring(0, c.indexOf(';')))
                .findFirst()
                .orElse(null);
    }

    /** The browser's trip: the console sends it to the provider, which sends it back with a code. */
    record Trip(String callback, String flowCookie) {}

    static Trip toTheProviderAndBack() {
        HttpResponse<String> start = get(dtm.baseUrl() + "/admin/api/oidc/login", null);
        assertThat(start.statusCode()).isEqualTo(302);
        String flow = start.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(flow).contains("HttpOnly", "SameSite=Lax", "Path=/admin/api/oidc");
        String atProvider = start.headers().firstValue("Location").orElseThrow();
        assertThat(atProvider).startsWith(idp.issuer() + "/authorize?").contains("code_challenge=", "nonce=");
        HttpResponse<String> back = get(atProvider, null);
        assertThat(back.statusCode()).isEqualTo(302);
        String callback = back.headers().firstValue("Location").orElseThrow();
        assertThat(callback).startsWith(CALLBACK + "?code=");
        return new Trip(OidcProviderStub.pathAndQuery(callback), flow.substring(0, flow.indexOf(';')));
    }

    /** Completes a trip; the answer of the callback. */
    static HttpResponse<String> signIn(Trip trip) {
        return get(dtm.baseUrl() + trip.callback(), trip.flowCookie());
    }

    static String whoAmI(HttpResponse<String> callback) {
        assertThat(callback.statusCode()).as(callback.body()).isEqualTo(302);
        assertThat(callback.headers().firstValue("Location")).hasValue("/admin/");
        String session = cookie(callback, "dtm4j_session");
        HttpResponse<String> me = get(dtm.baseUrl() + "/admin/api/me", session);
        assertThat(me.statusCode()).isEqualTo(200);
        return dtm.parse(me.body()).path("name").asText() + " "
                + dtm.parse(me.body()).path("role").asText();
    }

    @Test
    void theProviderSignsInAndConsoleUsersOidcGivesTheRole() {
        assertThat(get(dtm.baseUrl() + "/admin/api/me", null).statusCode()).isEqualTo(401);
        assertThat(dtm.parse(get(dtm.baseUrl() + "/admin/api/sign-in", null).body())
                        .toString())
                .isEqualTo("{\"password\":false,\"oidc\":true}");

        idp.nextUser("u-1", "ops@example.com");
        assertThat(whoAmI(signIn(toTheProviderAndBack()))).isEqualTo("ops@example.com operator");
        idp.nextUser("u-2", "dev@example.com");
        assertThat(whoAmI(signIn(toTheProviderAndBack()))).isEqualTo("dev@example.com viewer");
        idp.nextUser("u-3", "oncall@example.com", "sre");
        assertThat(whoAmI(signIn(toTheProviderAndBack())))
                .as("the strongest role of the entries matched")
                .isEqualTo("oncall@example.com operator");

        String audit = dtm.parse(get(dtm.baseUrl() + "/admin/api/audit", sessionOf("u-1", "ops@example.com"))
                        .body())
                .toString();
        assertThat(audit).contains("dev@example.com", "single sign-on", "done");
    }

    @Test
    void someoneTheListDoesNotNameIsRefusedAndAudited() {
        idp.nextUser("u-9", "mallory@elsewhere.example");
        HttpResponse<String> refused = signIn(toTheProviderAndBack());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("mallory@elsewhere.example has no console role");
        assertThat(cookie(refused, "dtm4j_session")).isNull();
        idp.nextUser("u-10", "unverified@example.com");
        idp.tamper(claims -> claims.claim("email_verified", false));
        assertThat(signIn(toTheProviderAndBack()).statusCode())
                .as("an address the provider has not verified matches no e-mail entry")
                .isEqualTo(403);

        String audit = dtm.parse(get(dtm.baseUrl() + "/admin/api/audit", sessionOf("u-1", "ops@example.com"))
                        .body())
                .toString();
        assertThat(audit).contains("refused: mallory@elsewhere.example has no console role");
    }

    @Test
    void aForgedOrForeignAnswerIsRefused() {
        idp.nextUser("u-1", "ops@example.com");
        Trip trip = toTheProviderAndBack();
        assertThat(signIn(new Trip(trip.callback(), null)).body())
                .as("no sign-in started in this browser")
                .contains("no sign-in in progress");
        Trip other = toTheProviderAndBack();
        assertThat(signIn(new Trip(trip.callback(), other.flowCookie())).body())
                .as("another browser's flow cookie: the state does not match")
                .contains("(state)");
        assertThat(signIn(new Trip(trip.callback(), other.flowCookie() + "x")).statusCode())
                .isEqualTo(403);

        idp.signWithUnpublishedKey();
        HttpResponse<String> badKey = signIn(toTheProviderAndBack());
        assertThat(badKey.statusCode()).isEqualTo(403);
        assertThat(badKey.body()).contains("does not verify");

        idp.nextUser("u-1", "ops@example.com");
        idp.tamper(claims -> claims.audience("another-application"));
        assertThat(signIn(toTheProviderAndBack()).body())
                .as("a token issued to another client")
                .contains("does not verify");

        idp.nextUser("u-1", "ops@example.com");
        idp.tamper(claims -> claims.claim("nonce", "replayed"));
        assertThat(signIn(toTheProviderAndBack()).body()).contains("(nonce)");

        idp.nextUser("u-1", "ops@example.com");
        assertThat(get(dtm.baseUrl() + "/admin/api/oidc/callback?error=access_denied&state=x", trip.flowCookie())
                        .body())
                .contains("the provider refused: access_denied");
    }

    @Test
    void passwordSignInIsClosedWhenOnlySingleSignOnIsConfigured() {
        var login = HttpRequest.newBuilder(URI.create(dtm.baseUrl() + "/admin/api/login"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"ops@example.com\",\"password\":\"x\"}"))
                .build();
        try {
            HttpResponse<String> refused = http.send(login, HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(refused.body()).contains("no console user signs in with a password");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A session of an operator, signed in through the provider. */
    static String sessionOf(String subject, String email) {
        idp.nextUser(subject, email);
        return cookie(signIn(toTheProviderAndBack()), "dtm4j_session");
    }
}
