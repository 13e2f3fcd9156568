package io.dtm4j.server.store.embedded;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reads of the embedded store on a small fixed pool of platform threads, each with its own
 * read-only connection, so that native SQLite calls never pin the callers' virtual threads. In WAL
 * mode every read sees the last committed write.
 */
final class ReadPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReadPool.class);

    /** Opens one read-only connection; called once per pool thread. */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    /** A read run on a pool thread with that thread's connection. */
    @FunctionalInterface
    interface ReadTask<T> {
        T run(Connection connection) throws SQLException;
    }

    private final ExecutorService executor;
    private final Queue<Connection> opened = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<Connection> connection;

    ReadPool(int threads, String threadName, Opener opener) {
        AtomicInteger counter = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(
                threads,
                r -> Thread.ofPlatform()
                        .name(threadName + "-" + counter.incrementAndGet())
                        .daemon(true)
                        .unstarted(r));
        this.connection = ThreadLocal.withInitial(() -> {
            try {
                Connection c = opener.open();
                opened.add(c);
                return c;
            } catch (SQLException e) {
                throw new IllegalStateException("opening a read connection failed: " + e.getMessage(), e);
            }
        });
    }

    /** Queues {@code task} on a pool thread; rejects it once the pool is closed. */
    <T> Future<T> submit(ReadTask<T> task) {
        return executor.submit(() -> task.run(connection.get()));
    }

    /** Lets running reads finish, then closes every read connection. */
    @Override
    public void close() {
        executor.shutdown();
        boolean interrupted = false;
        while (!executor.isTerminated()) {
            try {
                executor.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        for (Connection c; (c = opened.poll()) != null; ) {
            try {
                Sql.forget(c);
                c.close();
            } catch (SQLException e) {
                log.warn("closing a read connection failed", e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
