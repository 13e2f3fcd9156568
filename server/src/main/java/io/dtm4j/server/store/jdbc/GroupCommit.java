package io.dtm4j.server.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the writes of concurrent callers in shared database transactions: each of {@code committers}
 * threads takes whatever is queued (up to {@code maxBatch}), runs it on one connection and commits
 * once. A write must not commit or roll back the connection itself. When a write of a batch fails, the
 * batch is rolled back and run again with a savepoint around each write, so that only the failing
 * one fails.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    /** A write on the batch's connection. */
    @FunctionalInterface
    interface Write<T> {
        T run(Connection c) throws SQLException;
    }

    private record Task<T>(Write<T> write, CompletableFuture<T> done) {}

    private final DataSource pool;
    private final int maxBatch;
    private final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    GroupCommit(String name, DataSource pool, int committers, int maxBatch) {
        this.pool = pool;
        this.maxBatch = maxBatch;
        for (int i = 0; i < committers; i++) {
            threads.add(
                    Thread.ofPlatform().daemon().name(name + "-committer-" + i).start(this::loop));
        }
    }

    /** Runs {@code write} in the next batch and returns its result once the batch has committed. */
    <T> T run(Write<T> write) throws SQLException {
        if (closed) {
            throw new SQLException("the store is closed");
        }
        var task = new Task<>(write, new CompletableFuture<T>());
        queue.add(task);
        try {
            return task.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for the commit", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException s) {
                throw s;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new SQLException(cause);
        }
    }

    /** How many writes wait for a committer (for tests that need a batch to form). */
    int queued() {
        return queue.size();
    }

    private void loop() {
        List<Task<?>> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, maxBatch - 1);
            execute(batch);
            batch.clear();
        }
        for (Task<?> t; (t = queue.poll()) != null; ) {
            t.done().completeExceptionally(new SQLException("the store is closed"));
        }
    }

    private void execute(List<Task<?>> batch) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Object> results = new ArrayList<>(batch.size());
                try {
                    for (Task<?> t : batch) {
                        results.add(t.write().run(c));
                    }
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    executeIsolated(c, batch);
                    return;
                }
                for (int i = 0; i < batch.size(); i++) {
                    complete(batch.get(i), results.get(i));
                }
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("batch of {} failed: {}", batch.size(), e.getMessage());
            batch.forEach(t -> t.done().completeExceptionally(e));
        }
    }

    /** Runs the batch again with a savepoint per write: a failing write fails alone. */
    private void executeIsolated(Connection c, List<Task<?>> batch) throws SQLException {
        List<Object> results = new ArrayList<>(batch.size());
        List<Throwable> failures = new ArrayList<>(batch.size());
        for (Task<?> t : batch) {
            Savepoint sp = c.setSavepoint();
            try {
                results.add(t.write().run(c));
                failures.add(null);
                c.releaseSavepoint(sp);
            } catch (SQLException | RuntimeException e) {
                c.rollback(sp);
                results.add(null);
                failures.add(e);
            }
        }
        c.commit();
        for (int i = 0; i < batch.size(); i++) {
            if (failures.get(i) != null) {
                batch.get(i).done().completeExceptionally(failures.get(i));
            } else {
                complete(batch.get(i), results.get(i));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Task<T> task, Object result) {
        task.done().complete((T) result);
    }

    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
    }
}
