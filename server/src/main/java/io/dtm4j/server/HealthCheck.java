package io.dtm4j.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The container image's health check ({@code dtm4j-container healthcheck}): exits 0 when a GET of the
 * given URL (the server's {@code /api/ping}) answers 200 within 3 seconds, 1 otherwise, saying why on
 * stderr. The image has no curl or wget to rely on, only the JVM.
 *
 * <p>Usage: {@code java -cp dtm4j-server.jar io.dtm4j.server.HealthCheck http://127.0.0.1:36789/api/ping}
 */
public final class HealthCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private HealthCheck() {}

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:36789/api/ping";
        System.exit(check(url) ? 0 : 1);
    }

    /** Returns whether {@code url} answers 200; a failure is explained on stderr. */
    static boolean check(String url) {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            HttpResponse<Void> response = client.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(TIMEOUT)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 200) {
                return true;
            }
            System.err.println("dtm4j health check: " + url + " answered " + response.statusCode());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("dtm4j health check: " + url + ": interrupted");
            return false;
        } catch (Exception e) {
            System.err.println("dtm4j health check: " + url + ": " + e);
            return false;
        }
    }
}
