package io.dtm4j.server.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ConsoleUsers.User;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Console sign-in through an OpenID Connect provider: the authorization code flow with PKCE
 * (docs/security.md#single-sign-on). {@link #start} sends the browser to the provider with a fresh
 * state, nonce and code verifier kept in a signed cookie; {@link #finish} checks the state, trades
 * the code for an ID token at the provider's token endpoint (server to server), verifies the token's
 * signature (the provider's published keys), issuer, audience, expiry and nonce, and maps the user to
 * a role with {@link OidcRoles}. The provider's endpoints come from its discovery document, read once.
 */
public final class OidcSignIn {
    /** The cookie of a sign-in in progress, scoped to the callback's path. */
    public static final String FLOW_COOKIE = "dtm4j_oidc";
    /** How long a browser may stay at the provider. */
    public static final Duration FLOW_TTL = Duration.ofMinutes(10);

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(
            JWSAlgorithm.RS256,
            JWSAlgorithm.RS384,
            JWSAlgorithm.RS512,
            JWSAlgorithm.PS256,
            JWSAlgorithm.ES256,
            JWSAlgorithm.ES384,
            JWSAlgorithm.EdDSA);

    /** A refused sign-in; the message says why, without secrets. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** Where to send the browser, and the flow cookie to set on the way. */
    public record Start(URI location, String cookie) {}

    /** The provider's endpoints (from discovery) and its token verifier. */
    private record Provider(URI authorization, URI token, DefaultJWTProcessor<SecurityContext> verifier) {}

    private final ServerConfig.Oidc config;
    private final OidcRoles roles;
    private final Signed signed;
    private final Clock clock;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private volatile Provider provider;

    OidcSignIn(ServerConfig.Oidc config, Signed signed, Clock clock) {
        this.config = config;
        this.roles = OidcRoles.parse(config.users());
        this.signed = signed;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).build();
    }

    /** Begins a sign-in (reads the discovery document the first time: blocking). */
    public Start start() throws Refused {
        Provider p = provider();
        String state = Signed.randomToken(random, 24);
        String nonce = Signed.randomToken(random, 24);
        String verifier = Signed.randomToken(random, 48);
        long expires = clock.instant().plus(FLOW_TTL).getEpochSecond();
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", config.clientId());
        query.put("redirect_uri", config.redirectUrl());
        query.put("scope", "openid email profile");
        query.put("state", state);
        query.put("nonce", nonce);
        query.put("code_challenge", challenge(verifier));
        query.put("code_challenge_method", "S256");
        String separator = p.authorization().getRawQuery() == null ? "?" : "&";
        return new Start(
                URI.create(p.authorization() + separator + form(query)),
                signed.wrap(state, nonce, verifier, Long.toString(expires)));
    }

    /**
     * Ends a sign-in at the callback: the user and the role it gets.
     *
     * @param error the provider\'s {@code error} parameter (null when none): it refused the user
     * @param flowCookie the {@link #FLOW_COOKIE} the browser sent back (null when none)
     * @throws Refused for a wrong or expired state, a provider that refuses the code, a token that
     *     does not verify, or a user {@code Console.Oidc.Users} gives no role
     */
    public User finish(String code, String state, String error, String flowCookie) throws Refused {
        if (error != null) {
            throw new Refused("the provider refused: " + error);
        }
        List<String> flow = signed.unwrap(flowCookie, 4)
                .orElseThrow(() -> new Refused("no sign-in in progress in this browser: start again"));
        if (state == null || !MessageDigest.isEqual(bytes(state), bytes(flow.get(0)))) {
            throw new Refused("the provider's answer does not belong to this browser's sign-in (state)");
        }
        if (Instant.ofEpochSecond(Long.parseLong(flow.get(3))).isBefore(clock.instant())) {
            throw new Refused("the sign-in took longer than " + FLOW_TTL.toMinutes() + " minutes: start again");
        }
        if (code == null || code.isEmpty()) {
            throw new Refused("the provider sent no authorization code");
        }
        Provider p = provider();
        JWTClaimsSet claims;
        try {
            claims = p.verifier().process(idToken(p, code, flow.get(2)), null);
        } catch (Refused e) {
            throw e;
        } catch (Exception e) { // bad signature, issuer, audience, expiry…: the library says which
            throw new Refused("the provider's ID token does not verify: " + e.getMessage());
        }
        if (!flow.get(1).equals(claims.getClaim("nonce"))) {
            throw new Refused("the ID token was not issued for this sign-in (nonce)");
        }
        OidcRoles.Identity who = identity(claims);
        return roles.roleOf(who)
                .map(role -> new User(who.name(), role))
                .orElseThrow(() -> new Refused(who.name() + " has no console role (Console.Oidc.Users)"));
    }

    /** Trades the code for the ID token at the token endpoint. */
    private String idToken(Provider p, String code, String verifier) throws Refused {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("grant_type", "authorization_code");
        body.put("code", code);
        body.put("redirect_uri", config.redirectUrl());
        body.put("code_verifier", verifier);
        var request = HttpRequest.newBuilder(p.token())
                .timeout(CALL_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json");
        if (config.clientSecret().isEmpty()) {
            body.put("client_id", config.clientId()); // a public client names itself
        } else { // client_secret_basic: the form-encoded id and secret (RFC 6749, section 2.3.1)
            String credentials = encode(config.clientId()) + ":" + encode(config.clientSecret());
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(bytes(credentials)));
        }
        JsonNode answer = call(request.POST(HttpRequest.BodyPublishers.ofString(form(body))), "token endpoint");
        String idToken = answer.path("id_token").asText("");
        if (idToken.isEmpty()) {
            throw new Refused("the provider's token endpoint answered without an id_token");
        }
        return idToken;
    }

    private Provider provider() throws Refused {
        Provider p = provider;
        if (p == null) {
            synchronized (this) {
                if (provider == null) {
                    provider = discover();
                }
                p = provider;
            }
        }
        return p;
    }

    private Provider discover() throws Refused {
        URI where = URI.create(config.issuer() + "/.well-known/openid-configuration");
        JsonNode doc = call(HttpRequest.newBuilder(where).timeout(CALL_TIMEOUT).GET(), "discovery document");
        if (!config.issuer().equals(doc.path("issuer").asText())) {
            throw new Refused("the provider at " + where + " calls itself '"
                    + doc.path("issuer").asText() + "', not Console.Oidc.Issuer '" + config.issuer() + "'");
        }
        try {
            JWKSource<SecurityContext> keys = JWKSourceBuilder.create(
                            URI.create(doc.path("jwks_uri").asText()).toURL())
                    .build();
            var verifier = new DefaultJWTProcessor<SecurityContext>();
            verifier.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
            verifier.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                    config.clientId(),
                    new JWTClaimsSet.Builder().issuer(config.issuer()).build(),
                    Set.of("sub", "exp", "iat", "nonce")));
            return new Provider(
                    URI.create(doc.path("authorization_endpoint").asText()),
                    URI.create(doc.path("token_endpoint").asText()),
                    verifier);
        } catch (IllegalArgumentException | IOException e) {
            throw new Refused("the provider's discovery document at " + where + " lacks usable endpoints: " + e);
        }
    }

    private JsonNode call(HttpRequest.Builder request, String what) throws Refused {
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new Refused("the provider's " + what + " answered HTTP " + r.statusCode() + ": "
                        + r.body().substring(0, Math.min(200, r.body().length())));
            }
            return json.readTree(r.body());
        } catch (IOException e) {
            throw new Refused("cannot reach the provider's " + what + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused("interrupted while calling the provider's " + what);
        }
    }

    private static OidcRoles.Identity identity(JWTClaimsSet claims) {
        Object verified = claims.getClaim("email_verified");
        List<String> groups = new ArrayList<>();
        if (claims.getClaim("groups") instanceof List<?> list) {
            list.forEach(g -> groups.add(String.valueOf(g)));
        }
        return new OidcRoles.Identity(
                claims.getSubject(),
                claims.getClaim("email") instanceof String email ? email : null,
                !Boolean.FALSE.equals(verified) && !"false".equals(verified),
                List.copyOf(groups));
    }

    /** The PKCE S256 challenge of a verifier (RFC 7636, section 4.2). */
    static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
