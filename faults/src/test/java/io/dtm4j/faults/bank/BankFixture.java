package io.dtm4j.faults.bank;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.protocol.grpc.RawBytes;
import io.dtm4j.server.testing.JdbcTestDatabases;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * A bank under test: a fresh MariaDB database, a {@link BankMain} process on fixed free ports, and
 * callers over HTTP and gRPC that send the branch identity as the server does.
 */
final class BankFixture implements AutoCloseable {
    static final int ACCOUNTS = 4;
    static final long INITIAL = 10_000;

    final String database =
            "faults_bank_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String url;
    final DataSource db;
    final Path calls;
    final int httpPort;
    final int grpcPort;
    private final List<String> flags;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ManagedChannel channel;
    private Process process;

    /** Skips the test class when MariaDB is unreachable; else creates the database and starts the bank. */
    static BankFixture start(String... flags) throws Exception {
        JdbcTestDatabases.assumeAvailable("mysql");
        return new BankFixture(List.of(flags));
    }

    private BankFixture(List<String> flags) throws Exception {
        this.flags = flags;
        try (Connection c = admin();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        url = "jdbc:mariadb://" + JdbcTestDatabases.host("mysql") + ":" + JdbcTestDatabases.port("mysql") + "/"
                + database + "?user=" + JdbcTestDatabases.user("mysql") + "&password="
                + JdbcTestDatabases.password("mysql");
        db = BankDatabase.open(url);
        BankDatabase.create(db, ACCOUNTS, INITIAL);
        calls = Files.createTempFile("bank-calls", ".log");
        httpPort = freePort();
        grpcPort = freePort();
        launch();
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection(
                "jdbc:mariadb://" + JdbcTestDatabases.host("mysql") + ":" + JdbcTestDatabases.port("mysql") + "/",
                JdbcTestDatabases.user("mysql"),
                JdbcTestDatabases.password("mysql"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts the bank process and waits for its ready line. */
    void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-cp",
                System.getProperty("java.class.path"),
                BankMain.class.getName(),
                "--name",
                "T",
                "--db",
                url,
                "--http-port",
                Integer.toString(httpPort),
                "--grpc-port",
                Integer.toString(grpcPort),
                "--calls",
                calls.toString()));
        command.addAll(flags);
        // not the test JVM's stderr: a bank left running would keep Maven waiting for that stream to end
        process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(
                        calls.resolveSibling(calls.getFileName() + ".stderr").toFile()))
                .start();
        var out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return "error: " + e;
            }
        });
        // a JVM start, which took over 20 s with the other test classes running on a 2-core machine
        try {
            assertThat(ready.orTimeout(120, TimeUnit.SECONDS).join()).isEqualTo("bank T ready");
        } catch (RuntimeException | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** kill -9 of the bank process. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    static String gid() {
        return "bank-" + UUID.randomUUID();
    }

    HttpResponse<String> post(String endpoint, String query, String body) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/api/busi/" + endpoint
                        + (query.isEmpty() ? "" : "?" + query)))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A branch call as the server makes it. */
    HttpResponse<String> call(
            String endpoint, String transType, String gid, String branchId, String op, int account, long amount)
            throws IOException, InterruptedException {
        return post(endpoint, branchQuery(transType, gid, branchId, op), new BranchPayload(account, amount).json());
    }

    static String branchQuery(String transType, String gid, String branchId, String op) {
        return "gid=" + enc(gid) + "&trans_type=" + transType + "&branch_id=" + branchId + "&op=" + op + "&dtm="
                + enc("http://127.0.0.1:1/api/dtmsvr");
    }

    HttpResponse<String> admin(String pathAndQuery, boolean post) throws IOException, InterruptedException {
        var builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + pathAndQuery))
                .timeout(Duration.ofSeconds(60));
        var request = post
                ? builder.POST(HttpRequest.BodyPublishers.noBody()).build()
                : builder.GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A gRPC branch call with the {@code dtm-*} metadata the server sends. */
    void grpc(
            String method,
            String transType,
            String gid,
            String branchId,
            String op,
            byte[] request,
            long deadlineMillis) {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort)
                    .usePlaintext()
                    .build();
        }
        Metadata metadata = new Metadata();
        put(metadata, "dtm-gid", gid);
        put(metadata, "dtm-trans_type", transType);
        put(metadata, "dtm-branch_id", branchId);
        put(metadata, "dtm-op", op);
        var intercepted = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
        ClientCalls.blockingUnaryCall(
                intercepted,
                RawBytes.unaryMethod(BankOps.GRPC_SERVICE + "/" + method),
                CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS),
                request);
    }

    void grpc(String method, String transType, String gid, String branchId, String op, int account, long amount) {
        grpc(
                method,
                transType,
                gid,
                branchId,
                op,
                new BranchPayload(account, amount).json().getBytes(StandardCharsets.UTF_8),
                60_000); // a first call connects, which took over 6 s on a loaded 2-core machine
    }

    private static void put(Metadata metadata, String key, String value) {
        metadata.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    BankDatabase.Account account(int id) throws SQLException {
        return BankDatabase.accounts(db).get(id);
    }

    List<BankDatabase.LedgerRow> ledger(String gid) throws SQLException {
        return BankDatabase.ledger(db).stream().filter(r -> r.gid().equals(gid)).toList();
    }

    List<String> callLog(String gid) throws IOException {
        return Files.readAllLines(calls).stream()
                .filter(l -> l.contains(" " + gid + " "))
                .toList();
    }

    @Override
    public void close() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (process != null) {
            kill();
        }
        try (Connection c = admin();
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database);
        }
        Files.deleteIfExists(calls);
    }
}
