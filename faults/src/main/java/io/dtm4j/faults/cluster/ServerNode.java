package io.dtm4j.faults.cluster;

import io.dtm4j.client.DtmClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One dtm4j server under test: the real server jar in its own JVM, on fixed HTTP and gRPC ports
 * that it keeps across kills, so that clients and stored URLs stay valid.
 */
public final class ServerNode implements AutoCloseable {
    /** How long a client waits for the server: longer than a round with a slow branch call. */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(8);

    private final ChildProcess process;
    private final int httpPort;
    private final int grpcPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final DtmClient httpClient;
    private final List<DtmClient> grpcClients = new ArrayList<>();
    private DtmClient grpc;

    /**
     * @param settings the server's configuration as environment variables (store and intervals)
     */
    public ServerNode(String name, Path serverJar, Map<String, String> settings, Path log) throws IOException {
        this.httpPort = ChildProcess.freePort();
        this.grpcPort = ChildProcess.freePort();
        Map<String, String> env = new HashMap<>(settings);
        env.put("HTTP_PORT", String.valueOf(httpPort));
        env.put("GRPC_PORT", String.valueOf(grpcPort));
        this.process = new ChildProcess(name, List.of(ChildProcess.java(), "-jar", serverJar.toString()), env, log);
        this.httpClient = DtmClient.of(apiUrl()).withTimeout(CLIENT_TIMEOUT);
    }

    public String name() {
        return process.name();
    }

    /** Starts the server and waits until it answers ping. */
    public void start() throws IOException, InterruptedException {
        process.start(this::answersPing);
        synchronized (this) {
            // a channel to the killed JVM may sit in a long reconnect backoff: a fresh one per start
            grpc = DtmClient.grpc("127.0.0.1:" + grpcPort).withTimeout(CLIENT_TIMEOUT);
            grpcClients.add(grpc);
        }
    }

    private boolean answersPing() {
        try {
            var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/ping"))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The API base URL, as business services receive it in {@code dtm}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + httpPort + "/api/dtmsvr";
    }

    /** A client of the HTTP API. */
    public DtmClient httpClient() {
        return httpClient;
    }

    /** A client of the gRPC API, renewed at every start. */
    public synchronized DtmClient grpcClient() {
        return grpc;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public boolean isPaused() {
        return process.isPaused();
    }

    public void kill() throws InterruptedException {
        process.kill();
    }

    public void pause() throws IOException, InterruptedException {
        process.pause();
    }

    public void resume() throws IOException, InterruptedException {
        process.resume();
    }

    public String logTail() {
        return process.tail();
    }

    @Override
    public void close() {
        process.close();
        synchronized (this) {
            grpcClients.forEach(DtmClient::close);
        }
    }
}
