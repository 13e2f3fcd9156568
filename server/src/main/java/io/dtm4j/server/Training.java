package io.dtm4j.server;

import com.google.protobuf.ByteString;
import io.dtm4j.protocol.grpc.DtmGrpc;
import io.dtm4j.protocol.grpc.DtmRequest;
import io.dtm4j.protocol.grpc.DtmTransOptions;
import io.dtm4j.server.config.ConfigLoader;
import io.dtm4j.server.config.Logging;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.engine.Gids;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A training run for the JDK's ahead-of-time cache (JDK 25+, {@code -XX:AOTCacheOutput}): starts a
 * server on the embedded store in a scratch directory and loopback ports, drives the paths a
 * production server runs most (sagas with {@code wait_result} over HTTP and gRPC, two-phase messages,
 * queries) for a few seconds, and exits, when the JVM writes the classes it loaded and the profiles
 * it gathered. A server started with that cache ({@code -XX:AOTCache}) serves at speed within
 * seconds instead of after its JIT warmed up (docs/benchmarks.md). {@code bin/dtm4j} runs it.
 *
 * <p>Usage: {@code java -XX:AOTCacheOutput=F -cp dtm4j-server.jar io.dtm4j.server.Training [seconds]}
 */
public final class Training {
    private static final int CLIENTS = 8;
    private static final ByteString PAYLOAD = ByteString.copyFromUtf8("{\"amount\":30}");

    private Training() {}

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 20;
        Result r = train(seconds);
        System.out.println(
                "dtm4j training: " + r.requests() + " requests in " + seconds + " s, " + r.failed() + " failed");
    }

    /** What a training run did: requests answered as expected, and the others. */
    record Result(long requests, long failed) {}

    static Result train(long seconds) throws Exception {
        Path data = Files.createTempDirectory("dtm4j-training");
        ServerConfig config = ConfigLoader.load(
                null,
                Map.of("HTTP_PORT", "0", "GRPC_PORT", "0", "STORE_DATA_DIR", data.toString(), "LOG_LEVEL", "warn"));
        Logging.apply(config.logLevel());
        Logging.format(config.logFormat());
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        try (Dtm4jServer server = Dtm4jServer.start(config, Clock.systemDefaultZone(), true)) {
            ManagedChannel channel = Grpc.newChannelBuilderForAddress(
                            "127.0.0.1", server.grpcPort(), InsecureChannelCredentials.create())
                    .build();
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.httpPort() + "/api/dtmsvr";
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    var grpc = DtmGrpc.newBlockingStub(channel);
                    for (long n = 0; System.nanoTime() < end; n++) {
                        try {
                            exercise(n, http, base, grpc);
                            done.incrementAndGet();
                        } catch (IOException | RuntimeException e) {
                            if (failed.getAndIncrement() == 0) {
                                System.err.println("dtm4j training: a request failed: " + e);
                            }
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            for (Thread t : clients) {
                t.join();
            }
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } finally {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return new Result(done.get(), failed.get());
    }

    /** One request of the mix: mostly HTTP sagas, then gRPC sagas, msgs and queries. */
    private static void exercise(long n, HttpClient http, String base, DtmGrpc.DtmBlockingStub grpc)
            throws IOException, InterruptedException {
        String gid = Gids.newGid();
        switch ((int) (n % 8)) {
            case 0, 1, 2, 3 -> post(http, base + "/submit", saga(gid));
            case 4, 5 ->
                grpc.submit(DtmRequest.newBuilder()
                        .setGid(gid)
                        .setTransType("saga")
                        .setTransOptions(DtmTransOptions.newBuilder().setWaitResult(true))
                        .setSteps("[{\"action\":\"\",\"compensate\":\"\"},{\"action\":\"\",\"compensate\":\"\"}]")
                        .addBinPayloads(PAYLOAD)
                        .addBinPayloads(PAYLOAD)
                        .build());
            case 6 -> {
                String msg = "{\"gid\":\"" + gid + "\",\"trans_type\":\"msg\",\"query_prepared\":\"\","
                        + "\"steps\":[{\"action\":\"\"}],\"payloads\":[\"{}\"]}";
                post(http, base + "/prepare", msg);
                post(http, base + "/submit", msg);
            }
            default -> {
                post(http, base + "/submit", saga(gid));
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "/query?gid=" + gid))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
            }
        }
    }

    private static String saga(String gid) {
        return "{\"gid\":\"" + gid + "\",\"trans_type\":\"saga\",\"wait_result\":true,"
                + "\"steps\":[{\"action\":\"\",\"compensate\":\"\"},{\"action\":\"\",\"compensate\":\"\"}],"
                + "\"payloads\":[\"{\\\"amount\\\":30}\",\"{\\\"amount\\\":30}\"]}";
    }

    private static void post(HttpClient http, String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
    }
}
