package io.dtm4j.server.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The Content-Security-Policy of the console's page: scripts from the server only, plus the page's
 * one inline script, the import map, allowed by its SHA-256 (browsers read import maps inline only).
 * An injected script, style or frame is refused by the browser, whatever reaches the page.
 */
final class ConsolePolicy {
    private static final String OPEN = "<script type=\"importmap\">";
    private static final String CLOSE = "</script>";

    private ConsolePolicy() {}

    /** The policy for the page in {@code console/index.html} on the class path. */
    static String contentSecurityPolicy() {
        return "default-src 'self'; script-src 'self' 'sha256-" + importMapHash(page())
                + "'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    }

    /** The base64 SHA-256 of the text between the import map's tags, as CSP hashes it. */
    static String importMapHash(String html) {
        int start = html.indexOf(OPEN);
        if (start < 0) {
            throw new IllegalStateException("console/index.html has no import map");
        }
        start += OPEN.length();
        String script = html.substring(start, html.indexOf(CLOSE, start));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(script.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String page() {
        try (InputStream in = ConsolePolicy.class.getClassLoader().getResourceAsStream("console/index.html")) {
            if (in == null) {
                throw new IllegalStateException("console/index.html is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
