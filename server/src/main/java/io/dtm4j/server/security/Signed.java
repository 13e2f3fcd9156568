package io.dtm4j.server.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Text fields signed by this server (HMAC-SHA256) for a cookie: the console's session and the
 * OpenID Connect sign-in in progress. The fields are readable, not secret; what the signature
 * guarantees is that this server wrote them.
 */
final class Signed {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final byte[] key;

    Signed(byte[] key) {
        this.key = key.clone();
    }

    /** The cookie value holding {@code fields} (none may contain a line break). */
    String wrap(String... fields) {
        String payload = B64.encodeToString(String.join("\n", fields).getBytes(StandardCharsets.UTF_8));
        return payload + "." + B64.encodeToString(sign(payload));
    }

    /** The {@code count} fields of a value {@link #wrap} made, or empty for anything else. */
    Optional<List<String>> unwrap(String value, int count) {
        if (value == null) {
            return Optional.empty();
        }
        int dot = value.indexOf('.');
        try {
            if (dot < 0
                    || !MessageDigest.isEqual(sign(value.substring(0, dot)), B64D.decode(value.substring(dot + 1)))) {
                return Optional.empty();
            }
            String[] fields = new String(B64D.decode(value.substring(0, dot)), StandardCharsets.UTF_8).split("\n", -1);
            return fields.length == count ? Optional.of(Arrays.asList(fields)) : Optional.empty();
        } catch (IllegalArgumentException e) { // not base64: not a value of ours
            return Optional.empty();
        }
    }

    private byte[] sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /** A URL-safe random token of {@code bytes} random bytes. */
    static String randomToken(java.security.SecureRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return B64.encodeToString(b);
    }
}
