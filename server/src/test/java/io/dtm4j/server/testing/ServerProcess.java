package io.dtm4j.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dtm4j.server.Main;
import io.dtm4j.server.config.ConfigLoader;
import io.dtm4j.server.config.ServerConfig;
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
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The server as a separate JVM (the test class path, {@link Main}), so that a test can kill it with
 * SIGKILL and start it again on the same data directory.
 *
 * <p>Tests that wait for it in real time derive their limits here, never from fixed numbers: {@link
 * #nextRound} from the intervals the server runs with, {@link #budget} from how slow the machine is,
 * as the slowest start so far measured it. A loaded machine then makes a test slower, not red.
 */
public final class ServerProcess implements AutoCloseable {
    /** The least limit of a start (a loaded 2-core machine has taken over 30 s); later ones allow more if slower. */
    private static final Duration START_CEILING = Duration.ofSeconds(120);
    /** About the slowest start (a JVM's first) on an idle 2-core machine: the yardstick of slowness. */
    private static final Duration IDLE_START = Duration.ofSeconds(3);
    /** The margin on every limit derived here. */
    private static final int SAFETY = 3;
    /** The slowest start of a server process in this JVM so far, from launch to the first ping answered. */
    private static Duration slowestStart = Duration.ZERO;

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
        long launched = System.nanoTime();
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
        Duration limit = max(START_CEILING, budget(IDLE_START));
        try {
            Awaitility.await("server on port " + port + " answers ping")
                    .atMost(limit)
                    .pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions()
                    .until(() -> !process.isAlive() || get("/api/ping").statusCode() == 200);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("server did not start within " + limit + "; its output:\n" + output(), e);
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(
                    "server exited with " + process.exitValue() + " at start; its output:\n" + output());
        }
        recordStart(Duration.ofNanos(System.nanoTime() - launched));
        return this;
    }

    private static synchronized void recordStart(Duration took) {
        slowestStart = max(slowestStart, took);
    }

    /** Returns the slowest start of a server process in this JVM so far. */
    public static synchronized Duration slowestStart() {
        return slowestStart;
    }

    /**
     * Returns the limit for work that takes up to {@code nominal} on an idle machine: {@value #SAFETY}
     * times as long, stretched further by the ratio of {@link #slowestStart()} to an idle start.
     */
    public static Duration budget(Duration nominal) {
        double slowness = Math.max(1.0, (double) slowestStart().toMillis() / IDLE_START.toMillis());
        return Duration.ofMillis((long) (nominal.toMillis() * SAFETY * slowness));
    }

    /** Returns the settings the server runs with, read from its environment as the server reads them. */
    public ServerConfig config() {
        Map<String, String> all = new HashMap<>(System.getenv());
        all.putAll(env);
        return ConfigLoader.load(null, all);
    }

    /**
     * Returns the longest a transaction that is due, or in a round this server's last stop cut off,
     * takes on an idle machine to get its next round and end it with {@code calls} branch calls: two
     * scheduler polls (TransCronInterval), the longest backoff (MaxRetryInterval), one claim lease
     * (RetryInterval: the claim of a round the stop cut off holds until it ends) and RequestTimeout
     * per call.
     */
    public Duration nextRound(int calls) {
        ServerConfig c = config();
        if (c.maxRetryInterval() <= 0) {
            throw new IllegalStateException("no bound on the backoff: the test must set MAX_RETRY_INTERVAL");
        }
        return Duration.ofSeconds(
                2 * c.transCronInterval() + c.maxRetryInterval() + c.retryInterval() + calls * c.requestTimeout());
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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
