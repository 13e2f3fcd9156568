package io.dtm4j.server.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP branch calls against a real HTTP server, with a pool of one connection so that a second call
 * queues behind a first one the server holds: a queued call must never be delivered after its
 * round's lease ended or after its own timeout (docs/protocol.md §9.3).
 */
class HttpInvokerTest {
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch releaseHeld = new CountDownLatch(1);
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private HttpServer server;
    private Vertx vertx;
    private HttpInvoker invoker;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::answer);
        server.start();
        vertx = Vertx.vertx();
        invoker = new HttpInvoker(vertx, 1);
    }

    @AfterEach
    void stop() {
        releaseHeld.countDown();
        invoker.close();
        vertx.close();
        server.stop(0);
        callers.shutdownNow();
    }

    private void answer(HttpExchange exchange) throws IOException {
        received.add(exchange.getRequestURI().getPath() + "?"
                + exchange.getRequestURI().getQuery());
        if (exchange.getRequestURI().getPath().equals("/held")) {
            try {
                releaseHeld.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = "{\"dtm_result\":\"SUCCESS\"}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private BranchCall call(String path, long timeoutMillis, BooleanSupplier maySend) {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + path;
        return ProtocolInvokerTest.call(url, "http", Duration.ofMillis(timeoutMillis), maySend);
    }

    /** Starts a call holding the only connection until {@link #releaseHeld}, and waits until it is held. */
    private Future<Outcome> holdTheConnection() throws InterruptedException {
        Future<Outcome> held = callers.submit(() -> invoker.call(call("/held", 20_000, () -> true)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(received).hasSize(1);
        return held;
    }

    /** Runs a call on a thread of its own and waits until it blocks waiting for its answer. */
    private Future<Outcome> queue(BranchCall call) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        Thread[] caller = new Thread[1];
        Future<Outcome> result = callers.submit(() -> {
            caller[0] = Thread.currentThread();
            started.countDown();
            return invoker.call(call);
        });
        started.await();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (caller[0].getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return result;
    }

    @Test
    void aCallQueuedPastItsLeaseIsDroppedNotDeliveredLate() throws Exception {
        Future<Outcome> held = holdTheConnection();
        AtomicBoolean leaseHeld = new AtomicBoolean(true);
        Future<Outcome> queued = queue(call("/queued", 20_000, leaseHeld::get));

        leaseHeld.set(false); // the round's lease ends while the call waits for the connection
        releaseHeld.countDown();

        assertThat(held.get(10, TimeUnit.SECONDS).isSuccess()).isTrue();
        Outcome dropped = queued.get(10, TimeUnit.SECONDS);
        assertThat(dropped.isError()).isTrue();
        assertThat(dropped.text()).contains("not sent", "lease ended");
        assertThat(invoker.call(call("/after", 5_000, () -> true)).isSuccess()).isTrue();
        assertThat(received)
                .containsExactly(
                        "/held?gid=g1&trans_type=saga&branch_id=01&op=action",
                        "/after?" + "gid=g1&trans_type=saga&branch_id=01&op=action");
    }

    @Test
    void aCallThatTimesOutInTheQueueIsNeverSentLater() throws Exception {
        Future<Outcome> held = holdTheConnection();
        Outcome timedOut = invoker.call(call("/queued", 300, () -> true));
        assertThat(timedOut.isError()).isTrue();
        assertThat(timedOut.text()).contains("timeout after 300 ms");

        releaseHeld.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(invoker.call(call("/after", 5_000, () -> true)).isSuccess()).isTrue();
        assertThat(received).extracting(r -> r.substring(0, r.indexOf('?'))).containsExactly("/held", "/after");
    }

    @Test
    void theBranchQueryIsAddedToTheUrlsOwnQuery() throws Exception {
        Outcome outcome = invoker.call(call("/q?a=1&b=x%20y#frag", 5_000, () -> true));
        assertThat(outcome.isSuccess()).isTrue();
        assertThat(received).containsExactly("/q?a=1&b=x y&gid=g1&trans_type=saga&branch_id=01&op=action");
    }

    @Test
    void aUrlWithoutHostIsATransientError() {
        Outcome outcome = invoker.call(ProtocolInvokerTest.call("http://", "http", Duration.ofSeconds(1), () -> true));
        assertThat(outcome.isError()).isTrue();
        assertThat(outcome.text()).startsWith("bad request to 'http://'");
    }
}
