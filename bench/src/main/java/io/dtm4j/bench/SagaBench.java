package io.dtm4j.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed-loop saga load generator: {@code --clients} independent loops, each submitting a new
 * two-branch saga with {@code wait_result=true} and waiting for the answer before the next one.
 * Only requests that start after the warm-up and finish before its end are measured.
 *
 * <pre>
 * java -jar bench/target/dtm4j-bench.jar --dtm http://127.0.0.1:36789/api/dtmsvr \
 *      --clients 10 --duration 20 --warmup 5 --mode empty|stub [--loops 1] [--server-pid PID]
 * </pre>
 */
public final class SagaBench {
    private static final int MAX_ERROR_SAMPLES = 5;

    private final Options options;
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger errorSampleCount = new AtomicInteger();
    private final String runId = Long.toString(System.currentTimeMillis(), 36);

    private SagaBench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        System.exit(new SagaBench(options).run());
    }

    private int run() throws Exception {
        // One event loop per client group, one for the stub.
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.loops + 1));
        try {
            String branchBase = "";
            BusinessStub stub = null;
            if (options.mode == Mode.STUB) {
                stub = new BusinessStub();
                int port = await(stub.start(vertx));
                branchBase = "http://127.0.0.1:" + port + "/api/busi";
            }
            URI dtm = URI.create(options.dtm.endsWith("/") ? options.dtm : options.dtm + "/");
            String submitUrl = dtm.resolve("submit").toString();

            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.SECONDS.toNanos(options.warmup);
            long measureTo = measureFrom + TimeUnit.SECONDS.toNanos(options.duration);

            CpuSampler cpu = new CpuSampler(options.serverPid);
            vertx.setTimer(millisUntil(measureFrom), t -> cpu.begin());
            vertx.setTimer(millisUntil(measureTo), t -> cpu.end());

            List<Group> groups = new ArrayList<>();
            List<Future<Void>> done = new ArrayList<>();
            for (int g = 0; g < options.loops; g++) {
                int clients = options.clients / options.loops + (g < options.clients % options.loops ? 1 : 0);
                if (clients == 0) {
                    continue;
                }
                Group group = new Group(g, clients, submitUrl, branchBase, measureFrom, measureTo);
                groups.add(group);
                done.add(group.start(vertx));
            }
            System.out.printf(
                    Locale.ROOT,
                    "dtm4j saga bench: %s, mode %s, %d clients on %d event loop(s), " + "warm-up %d s, measure %d s%n",
                    submitUrl,
                    options.mode.label,
                    options.clients,
                    groups.size(),
                    options.warmup,
                    options.duration);
            long awaitSeconds = options.warmup + options.duration + 60;
            Future.all(done).toCompletionStage().toCompletableFuture().get(awaitSeconds, TimeUnit.SECONDS);
            cpu.endIfOpen(); // the loops may stop a hair before the end timer fires

            LatencyHistogram latency = new LatencyHistogram();
            long errors = 0;
            long warmupRequests = 0;
            for (Group group : groups) {
                latency.merge(group.latency);
                errors += group.errors;
                warmupRequests += group.warmupRequests;
            }
            long stubCalls = stub == null ? -1 : stub.calls();
            if (stub != null) {
                await(stub.stop());
            }
            int rc = report(latency, errors, warmupRequests, stubCalls);
            System.out.println(cpu.describe(latency.count()));
            return rc;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private int report(LatencyHistogram latency, long errors, long warmupRequests, long stubCalls) {
        long completed = latency.count();
        double seconds = options.duration;
        double throughput = completed / seconds;
        long attempts = completed + errors;
        double errorRate = attempts == 0 ? 1.0 : (double) errors / attempts;
        if (!errorSamples.isEmpty()) {
            System.out.println("first error responses:");
            errorSamples.forEach(s -> System.out.println("  " + s));
        }
        System.out.printf(
                Locale.ROOT,
                "SUMMARY mode=%s clients=%d duration=%ds completed=%d errors=%d throughput=%.1f/s "
                        + "p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms mean=%.2fms%n",
                options.mode.label,
                options.clients,
                options.duration,
                completed,
                errors,
                throughput,
                ms(latency.percentile(0.50)),
                ms(latency.percentile(0.90)),
                ms(latency.percentile(0.99)),
                ms(latency.max()),
                latency.mean() / 1000.0);
        System.out.println();
        System.out.println(
                "| mode  | clients | duration | completed | errors | sagas/s | p50 ms | p90 ms | p99 ms | max ms |");
        System.out.println(
                "|-------|--------:|---------:|----------:|-------:|--------:|-------:|-------:|-------:|-------:|");
        System.out.printf(
                Locale.ROOT,
                "| %-5s | %7d | %6d s | %9d | %6d | %7.0f | %6.2f | %6.2f | %6.2f | %6.1f |%n",
                options.mode.label,
                options.clients,
                options.duration,
                completed,
                errors,
                throughput,
                ms(latency.percentile(0.50)),
                ms(latency.percentile(0.90)),
                ms(latency.percentile(0.99)),
                ms(latency.max()));
        System.out.printf(
                Locale.ROOT,
                "(warm-up requests: %d%s)%n",
                warmupRequests,
                stubCalls >= 0 ? ", business stub calls in total: " + stubCalls : "");
        if (completed == 0 || errorRate > 0.01) {
            System.out.printf(Locale.ROOT, "FAILED: error rate %.2f%% (limit 1%%)%n", errorRate * 100);
            return 1;
        }
        return 0;
    }

    private static long millisUntil(long nanoTime) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanoTime - System.nanoTime()));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    private void sampleError(String text) {
        if (errorSampleCount.getAndIncrement() < MAX_ERROR_SAMPLES) {
            errorSamples.add(text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /**
     * Request loops sharing one event loop, one WebClient and one histogram; everything here runs on
     * that event loop, so the counters need no synchronisation.
     */
    private final class Group {
        private final int id;
        private final int clients;
        private final String submitUrl;
        private final String branchBase;
        private final long measureFrom;
        private final long measureTo;
        private final LatencyHistogram latency = new LatencyHistogram();
        private long errors;
        private long warmupRequests;
        private long sequence;
        private int running;
        private Vertx vertx;
        private WebClient client;
        private Promise<Void> finished;

        Group(int id, int clients, String submitUrl, String branchBase, long measureFrom, long measureTo) {
            this.id = id;
            this.clients = clients;
            this.submitUrl = submitUrl;
            this.branchBase = branchBase;
            this.measureFrom = measureFrom;
            this.measureTo = measureTo;
        }

        Future<Void> start(Vertx vertx) {
            this.vertx = vertx;
            Context context = vertx.getOrCreateContext();
            finished = Promise.promise();
            context.runOnContext(v -> {
                client = WebClient.create(
                        vertx,
                        new WebClientOptions()
                                .setKeepAlive(true)
                                .setTcpNoDelay(true)
                                .setPipelining(false)
                                .setConnectTimeout(5_000)
                                .setIdleTimeout(0),
                        new PoolOptions().setHttp1MaxSize(clients).setMaxWaitQueueSize(-1));
                running = clients;
                for (int i = 0; i < clients; i++) {
                    next();
                }
            });
            return finished.future();
        }

        private void next() {
            long begin = System.nanoTime();
            if (begin - measureTo >= 0) {
                if (--running == 0) {
                    client.close();
                    finished.complete();
                }
                return;
            }
            Buffer body = sagaBody(runId + "-" + id + "-" + (sequence++));
            client.postAbs(submitUrl)
                    .putHeader("content-type", "application/json")
                    .timeout(30_000)
                    .sendBuffer(body)
                    .onComplete(ar -> {
                        long end = System.nanoTime();
                        boolean measured = begin - measureFrom >= 0 && end - measureTo <= 0;
                        if (ar.succeeded() && ar.result().statusCode() == 200) {
                            if (measured) {
                                latency.record(TimeUnit.NANOSECONDS.toMicros(end - begin));
                            } else if (begin - measureFrom < 0) {
                                warmupRequests++;
                            }
                        } else {
                            if (measured) {
                                errors++;
                            }
                            sampleError(describe(ar.succeeded() ? ar.result() : null, ar.cause()));
                            if (ar.failed()) {
                                // No answer at all (refused, reset, timeout): do not spin on a dead server.
                                vertx.setTimer(100, t -> next());
                                return;
                            }
                        }
                        next();
                    });
        }

        private Buffer sagaBody(String gid) {
            String action = branchBase.isEmpty() ? "" : branchBase + "/TransOut";
            String compensate = branchBase.isEmpty() ? "" : branchBase + "/TransOutRevert";
            String action2 = branchBase.isEmpty() ? "" : branchBase + "/TransIn";
            String compensate2 = branchBase.isEmpty() ? "" : branchBase + "/TransInRevert";
            String json = "{\"gid\":\"bench-" + gid + "\",\"trans_type\":\"saga\",\"protocol\":\"\","
                    + "\"concurrent\":false,\"wait_result\":true,\"steps\":["
                    + "{\"action\":\"" + action + "\",\"compensate\":\"" + compensate + "\"},"
                    + "{\"action\":\"" + action2 + "\",\"compensate\":\"" + compensate2 + "\"}],"
                    + "\"payloads\":[\"{\\\"amount\\\":30}\",\"{\\\"amount\\\":30}\"]}";
            return Buffer.buffer(json);
        }

        private String describe(HttpResponse<Buffer> response, Throwable cause) {
            if (response != null) {
                return "HTTP " + response.statusCode() + ": " + response.bodyAsString();
            }
            return "exception: " + cause;
        }
    }

    enum Mode {
        EMPTY("empty"),
        STUB("stub");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    static final class Options {
        static final String USAGE = "usage: SagaBench --dtm http://127.0.0.1:36789/api/dtmsvr [--clients 10] "
                + "[--duration 20] [--warmup 5] [--mode empty|stub] [--loops 1] [--server-pid PID]";

        String dtm = "http://127.0.0.1:36789/api/dtmsvr";
        int clients = 10;
        int duration = 20;
        int warmup = 5;
        int loops = 1;
        long serverPid = -1;
        Mode mode = Mode.EMPTY;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                if (name.equals("-h") || name.equals("--help")) {
                    System.out.println(USAGE);
                    System.exit(0);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + name);
                }
                String value = args[++i];
                switch (name) {
                    case "--dtm" -> o.dtm = value;
                    case "--clients" -> o.clients = positive(name, value);
                    case "--duration" -> o.duration = positive(name, value);
                    case "--warmup" -> o.warmup = nonNegative(name, value);
                    case "--loops" -> o.loops = positive(name, value);
                    case "--server-pid" -> o.serverPid = positive(name, value);
                    case "--mode" ->
                        o.mode = switch (value) {
                            case "empty" -> Mode.EMPTY;
                            case "stub" -> Mode.STUB;
                            default -> throw new IllegalArgumentException("--mode must be empty or stub: " + value);
                        };
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            o.loops = Math.min(o.loops, o.clients);
            return o;
        }

        private static int positive(String name, String value) {
            int v = nonNegative(name, value);
            if (v == 0) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return v;
        }

        private static int nonNegative(String name, String value) {
            try {
                int v = Integer.parseInt(value);
                if (v < 0) {
                    throw new IllegalArgumentException(name + " must not be negative");
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be an integer: " + value);
            }
        }
    }
}
