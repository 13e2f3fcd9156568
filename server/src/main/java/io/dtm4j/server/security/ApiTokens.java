package io.dtm4j.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bearer tokens the transaction API accepts (docs/security.md#api-tokens); none = the API is
 * open, as dtm's. Several tokens let one be replaced without a moment where clients are refused.
 * Only SHA-256 digests are kept, compared in constant time; the tokens themselves never reach a log
 * line or {@link #toString}.
 */
public final class ApiTokens {
    /** The API is open. */
    public static final ApiTokens NONE = new ApiTokens(List.of());

    /** Shorter tokens are refused at start: they could be guessed. */
    public static final int MIN_LENGTH = 16;

    private static final String BEARER = "bearer ";

    private final List<byte[]> digests;

    private ApiTokens(List<byte[]> digests) {
        this.digests = digests;
    }

    /**
     * Parses a comma-separated list.
     *
     * @throws IllegalArgumentException when a token is shorter than {@value #MIN_LENGTH} characters
     *     or holds a space (the message never quotes it)
     */
    public static ApiTokens parse(String commaList) {
        List<byte[]> digests = new ArrayList<>();
        int index = 0;
        for (String raw : commaList.split(",")) {
            String token = raw.trim();
            if (token.isEmpty()) {
                continue;
            }
            index++;
            if (token.length() < MIN_LENGTH || token.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("token " + index + " must be at least " + MIN_LENGTH
                        + " characters without spaces (e.g. openssl rand -hex 32)");
            }
            digests.add(sha256(token));
        }
        return digests.isEmpty() ? NONE : new ApiTokens(List.copyOf(digests));
    }

    /** Whether requests must carry a token. */
    public boolean required() {
        return !digests.isEmpty();
    }

    /**
     * Whether an {@code Authorization} header value ({@code Bearer <token>}, the scheme in any case)
     * names an accepted token; always true when none is required.
     */
    public boolean accepts(String authorization) {
        if (digests.isEmpty()) {
            return true;
        }
        if (authorization == null
                || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = sha256(authorization.substring(BEARER.length()).trim());
        boolean match = false;
        for (byte[] digest : digests) {
            match |= MessageDigest.isEqual(digest, presented); // no early exit: every digest is compared
        }
        return match;
    }

    @Override
    public String toString() {
        return digests.size() + " API token(s)";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ApiTokens other) || other.digests.size() != digests.size()) {
            return false;
        }
        for (int i = 0; i < digests.size(); i++) {
            if (!MessageDigest.isEqual(digests.get(i), other.digests.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return digests.size();
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
