package io.dtm4j.server.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A small OpenID Connect provider on loopback for the console's single sign-on tests: discovery,
 * an authorization endpoint that signs in whoever {@link #nextUser} names without asking, a token
 * endpoint that checks the client secret, the redirect URI and the PKCE verifier as a real one
 * does, and its public keys. {@link #tamper} changes the next ID token's claims or signing key.
 */
public final class OidcProviderStub implements AutoCloseable {
    public static final String CLIENT_ID = "dtm4j-console";
    public static final String CLIENT_SECRET = "client-secret-of-the-console";

    private record Pending(String redirectUri, String challenge, String nonce, JWTClaimsSet.Builder user) {}

    private final HttpServer server;
    private final RSAKey key;
    private final RSAKey otherKey;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Pending> codes = new ConcurrentHashMap<>();
    private volatile JWTClaimsSet.Builder nextUser = new JWTClaimsSet.Builder().subject("nobody");
    private volatile UnaryOperator<JWTClaimsSet.Builder> tamper = UnaryOperator.identity();
    private volatile boolean signWithOtherKey;

    public OidcProviderStub() {
        try {
            key = new RSAKeyGenerator(2048).keyID("provider-key").generate();
            otherKey = new RSAKeyGenerator(2048).keyID("provider-key").generate();
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException | JOSEException e) {
            throw new IllegalStateException(e);
        }
        server.createContext(
                "/.well-known/openid-configuration",
                ex -> answer(
                        ex,
                        200,
                        Map.of(
                                "issuer", issuer(),
                                "authorization_endpoint", issuer() + "/authorize",
                                "token_endpoint", issuer() + "/token",
                                "jwks_uri", issuer() + "/jwks")));
        server.createContext("/jwks", ex -> answer(ex, 200, new JWKSet(key.toPublicJWK()).toJSONObject()));
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Who the authorization endpoint signs in next: its subject, e-mail and groups. */
    public void nextUser(String subject, String email, String... groups) {
        var user = new JWTClaimsSet.Builder().subject(subject).claim("email_verified", true);
        if (email != null) {
            user.claim("email", email);
        }
        if (groups.length > 0) {
            user.claim("groups", java.util.List.of(groups));
        }
        nextUser = user;
        tamper = UnaryOperator.identity();
        signWithOtherKey = false;
    }

    /** Changes the next ID tokens' claims (e.g. another audience). */
    public void tamper(UnaryOperator<JWTClaimsSet.Builder> change) {
        tamper = change;
    }

    /** Signs the next ID tokens with a key the provider does not publish. */
    public void signWithUnpublishedKey() {
        signWithOtherKey = true;
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        if (!CLIENT_ID.equals(q.get("client_id"))
                || !"code".equals(q.get("response_type"))
                || !"S256".equals(q.get("code_challenge_method"))) {
            answer(ex, 400, Map.of("error", "invalid_request"));
            return;
        }
        String code = "code-" + codes.size() + "-" + System.nanoTime();
        codes.put(code, new Pending(q.get("redirect_uri"), q.get("code_challenge"), q.get("nonce"), nextUser));
        ex.getResponseHeaders()
                .add(
                        "Location",
                        q.get("redirect_uri") + "?code=" + code + "&state="
                                + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        Map<String, String> form = query(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String basic = "Basic "
                + Base64.getEncoder()
                        .encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        if (!basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            answer(ex, 401, Map.of("error", "invalid_client"));
            return;
        }
        Pending p = codes.remove(form.getOrDefault("code", ""));
        if (p == null
                || !"authorization_code".equals(form.get("grant_type"))
                || !p.redirectUri().equals(form.get("redirect_uri"))
                || !p.challenge().equals(s256(form.getOrDefault("code_verifier", "")))) {
            answer(ex, 400, Map.of("error", "invalid_grant"));
            return;
        }
        Instant now = Instant.now();
        JWTClaimsSet claims = tamper.apply(new JWTClaimsSet.Builder(p.user().build())
                        .issuer(issuer())
                        .audience(CLIENT_ID)
                        .issueTime(java.util.Date.from(now))
                        .expirationTime(java.util.Date.from(now.plusSeconds(300)))
                        .claim("nonce", p.nonce()))
                .build();
        try {
            SignedJWT token = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.RS256)
                            .keyID(key.getKeyID())
                            .build(),
                    claims);
            token.sign(new RSASSASigner(signWithOtherKey ? otherKey : key));
            answer(ex, 200, Map.of("id_token", token.serialize(), "token_type", "Bearer", "access_token", "at"));
        } catch (JOSEException e) {
            answer(ex, 500, Map.of("error", e.toString()));
        }
    }

    private void answer(HttpExchange ex, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            q.put(
                    URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(
                            MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The path and query of {@code location} (a URL the provider redirected to). */
    public static String pathAndQuery(String location) {
        URI uri = URI.create(location);
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
