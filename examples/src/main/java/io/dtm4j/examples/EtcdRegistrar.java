package io.dtm4j.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Registers a gRPC service in etcd the way go-zero services do, so that the server's go-zero driver
 * finds it: key {@code <service>/<lease id>} = {@code host:port}, attached to a lease of {@link
 * #TTL_SECONDS} kept alive every third of it, and revoked by {@link #close} (which removes the key).
 * It talks to etcd's JSON gateway ({@code /v3/...}) with the JDK's HTTP client, so the example needs
 * no etcd library.
 */
final class EtcdRegistrar implements AutoCloseable {
    /** The lease's time to live: a crashed service disappears from etcd within it. */
    static final long TTL_SECONDS = 10;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String etcd;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3))
            .build();
    private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "etcd-keepalive");
        t.setDaemon(true);
        return t;
    });
    private final long lease;
    private final String key;

    /**
     * Registers {@code endpoint} under {@code service} in the etcd at {@code etcd} ({@code host:port}).
     *
     * @throws IOException when etcd cannot be reached or refuses
     */
    EtcdRegistrar(String etcd, String service, String endpoint, PrintStream out)
            throws IOException, InterruptedException {
        this.etcd = etcd;
        try {
            lease = call("/v3/lease/grant", JSON.createObjectNode().put("TTL", TTL_SECONDS))
                    .path("ID")
                    .asLong();
            key = service + "/" + lease;
            call(
                    "/v3/kv/put",
                    JSON.createObjectNode()
                            .put("key", base64(key))
                            .put("value", base64(endpoint))
                            .put("lease", Long.toString(lease)));
        } catch (IOException | InterruptedException | RuntimeException e) {
            keepAlive.shutdownNow();
            http.close();
            throw e;
        }
        long period = TTL_SECONDS * 1000 / 3;
        keepAlive.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
        out.println("[bank] registered in etcd " + etcd + ": " + key + " = " + endpoint);
    }

    /** The key the service is registered under, {@code <service>/<lease id>}. */
    String key() {
        return key;
    }

    private void renew() {
        try {
            call("/v3/lease/keepalive", JSON.createObjectNode().put("ID", Long.toString(lease)));
        } catch (IOException | RuntimeException e) {
            // etcd briefly out of reach: the next renewal may still be in time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private JsonNode call(String path, ObjectNode body) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + etcd + path))
                            .timeout(Duration.ofSeconds(5))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("cannot reach etcd at " + etcd + ": " + e, e);
        }
        if (response.statusCode() != 200) {
            throw new IOException(
                    "etcd " + etcd + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Stops renewing and revokes the lease, which removes the key at once. */
    @Override
    public void close() {
        keepAlive.shutdownNow();
        try {
            call("/v3/lease/revoke", JSON.createObjectNode().put("ID", Long.toString(lease)));
        } catch (IOException | RuntimeException e) {
            // the lease expires by itself within TTL_SECONDS
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            http.close();
        }
    }
}
