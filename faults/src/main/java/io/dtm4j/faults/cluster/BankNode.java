package io.dtm4j.faults.cluster;

import io.dtm4j.faults.bank.BankDatabase;
import io.dtm4j.faults.bank.BankOps;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * One bank service under test ({@code io.dtm4j.faults.bank.BankMain}) in its own JVM, on fixed ports
 * (the server keeps its URLs in the store), with a call log that outlives its restarts.
 */
public final class BankNode implements AutoCloseable {
    private final String name;
    private final ChildProcess process;
    private final int httpPort;
    private final int grpcPort;
    private final Path calls;
    private final DataSource db;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param db the JDBC URL of the bank's own database
     * @param unsafeBarrier runs every operation without the barrier: the broken mode the checker
     *     must catch
     */
    public BankNode(String name, String db, Path dir, boolean unsafeBarrier) throws IOException, SQLException {
        this.name = name;
        this.httpPort = ChildProcess.freePort();
        this.grpcPort = ChildProcess.freePort();
        this.calls = dir.resolve("calls-" + name + ".log");
        this.db = BankDatabase.open(db);
        List<String> command = new ArrayList<>(List.of(
                ChildProcess.java(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.dtm4j.faults.bank.BankMain",
                "--name",
                name,
                "--db",
                db,
                "--http-port",
                String.valueOf(httpPort),
                "--grpc-port",
                String.valueOf(grpcPort),
                "--calls",
                calls.toString()));
        if (unsafeBarrier) {
            command.add("--unsafe-barrier");
        }
        this.process = new ChildProcess("bank " + name, command, Map.of(), dir.resolve("bank-" + name + ".log"));
    }

    public String name() {
        return name;
    }

    public void start() throws IOException, InterruptedException {
        process.start(() -> send("GET", "/admin/ping") == 200);
    }

    /** The HTTP URL of operation {@code op} (see {@link BankOps}). */
    public String url(String op) {
        return "http://127.0.0.1:" + httpPort + "/api/busi/" + op;
    }

    /** The HTTP URL of XA operation {@code op}. */
    public String xaUrl(String op) {
        return url("xa/" + op);
    }

    /** The gRPC URL of operation {@code op}, as dtm names gRPC branches: {@code host:port/service/method}. */
    public String grpcUrl(String op) {
        return "127.0.0.1:" + grpcPort + "/" + BankOps.GRPC_SERVICE + "/" + op;
    }

    /** The bank's own database, which the checker reads and the msg client's local transaction writes. */
    public DataSource db() {
        return db;
    }

    /** The call log: a line per business call received, and per fault injected. */
    public Path callLog() {
        return calls;
    }

    /**
     * For the next {@code seconds}, hits a share {@code rate} of the business calls after their
     * work committed: {@code error} (answer 500), {@code drop} (no answer) or {@code slow} (answer
     * after {@code slowMillis}).
     */
    public boolean chaos(String kind, double rate, long seconds, long slowMillis) {
        return send(
                        "POST",
                        "/admin/chaos?kind=" + kind + "&rate=" + rate + "&seconds=" + seconds + "&slow_ms="
                                + slowMillis)
                == 200;
    }

    private int send(String method, String path) {
        try {
            var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .timeout(Duration.ofSeconds(2))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public void kill() throws InterruptedException {
        process.kill();
    }

    public String logTail() {
        return process.tail();
    }

    @Override
    public void close() {
        process.close();
    }
}
