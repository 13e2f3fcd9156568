package io.dtm4j.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.Main;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * The server as a separate JVM (the test class path, {@link Main}), so that a test can kill it with
 * SIGKILL and start it again on the same data directory.
 */
public final class ServerProcess implements AutoCloseable {
    private final Path dataDir;
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private Process process;
    private int port;
    private Path log;

    public ServerProcess(Path dataDir, Map<String, String> env) {
        this.dataDir = dataDir;
        this.env = env;
    }

    /** Starts the server and waits until it answers {@code /api/ping}. */
    public ServerProcess start() {
        port = freePort();
        try {
            log = Files.createTempFile(dataDir.getParent(), "server-", ".log");
            String java = ProcessHandle.current().info().command().orElse("java");
            var pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().put("GRPC_PORT", "0"); // several servers run side by side
            pb.environment().putAll(env);
            pb.environment().put("HTTP_PORT", String.valueOf(port));
            pb.environment().put("STORE_DATA_DIR", dataDir.toString());
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Awaitility.await("server on port " + port + " answers ping")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> get("/api/ping").statusCode() == 200);
        return this;
    }

    /** Kills the process with SIGKILL: no shutdown hook, no flush. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Pauses the process (SIGSTOP), as a long GC pause or a frozen VM would. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Resumes a paused process (SIGCONT). */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
        if (exit != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " exited with " + exit);
        }
    }

    public String dtm() {
        return "http://127.0.0.1:" + port + "/api/dtmsvr";
    }

    public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public String status(String gid) throws IOException, InterruptedException {
        JsonNode n = json.readTree(get("/api/dtmsvr/query?gid=" + gid).body());
        return n.path("transaction").path("status").asText();
    }

    /** Returns what the server printed, for failure messages. */
    public String output() {
        try {
            return log == null ? "" : Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
