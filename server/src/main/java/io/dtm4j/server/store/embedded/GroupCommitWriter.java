package io.dtm4j.server.store.embedded;

import io.dtm4j.server.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every write of the embedded store on one platform thread that owns the only write
 * connection, committing the tasks that are waiting together so that one fsync covers a whole
 * batch (group commit, in the manner of ZooKeeper's SyncRequestProcessor).
 *
 * <p>The loop takes one task, drains up to {@code maxBatch - 1} more, and runs them in one
 * transaction, each inside its own savepoint: a task that throws is rolled back alone and its
 * caller gets the exception, while the others commit. Futures complete only after COMMIT returned,
 * so a caller never acknowledges a write that is not durable. Callers (typically virtual threads)
 * only park on a future; no native call ever runs on their thread.
 */
final class GroupCommitWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);

    /** A unit of work run on the writer thread with the write connection. */
    @FunctionalInterface
    interface WriteTask<T> {
        T run(Connection connection) throws SQLException;
    }

    private final Connection connection;
    private final int maxBatch;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock admission = new ReentrantLock();
    private final Pending<Void> stop = new Pending<>(c -> null);
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong tasks = new AtomicLong();
    private final Thread thread;
    private boolean closed; // guarded by admission

    GroupCommitWriter(Connection connection, int maxBatch, String threadName) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be positive: " + maxBatch);
        }
        this.connection = connection;
        this.maxBatch = maxBatch;
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).start(this::loop);
    }

    /**
     * Queues {@code task}; the future completes once the batch holding it has committed.
     *
     * @throws StoreException when the writer is closed
     */
    <T> CompletableFuture<T> submit(WriteTask<T> task) {
        Pending<T> pending = new Pending<>(task);
        admission.lock();
        try {
            if (closed) {
                throw new StoreException("the embedded store is closed");
            }
            queue.add(pending);
        } finally {
            admission.unlock();
        }
        return pending.future;
    }

    /** Returns how many batches have committed. */
    long batches() {
        return batches.get();
    }

    /** Returns how many tasks have run in committed batches, failed ones included. */
    long tasks() {
        return tasks.get();
    }

    /** Stops accepting tasks, runs those already queued, then closes the connection. */
    @Override
    public void close() {
        admission.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(stop); // the last element ever queued
        } finally {
            admission.unlock();
        }
        joinUninterruptibly();
        try {
            Sql.forget(connection);
            connection.close();
        } catch (SQLException e) {
            log.warn("closing the write connection failed", e);
        }
    }

    private void loop() {
        List<Pending<?>> batch = new ArrayList<>(maxBatch);
        boolean running = true;
        while (running) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // only close() stops the loop, through the stop marker
            }
            queue.drainTo(batch, maxBatch - 1);
            running = !batch.remove(stop);
            if (!batch.isEmpty()) {
                runBatch(batch);
            }
        }
    }

    private void runBatch(List<Pending<?>> batch) {
        try {
            execute("BEGIN IMMEDIATE");
            if (!runAll(batch)) {
                // A task failed: undo the batch and run it again with a savepoint per task, so the failed
                // task is rolled back alone. Savepoints cost a fifth of the writer's time, hence not always.
                execute("ROLLBACK");
                execute("BEGIN IMMEDIATE");
                for (Pending<?> pending : batch) {
                    runInSavepoint(pending);
                }
            }
            execute("COMMIT");
        } catch (Throwable e) {
            // BEGIN, a savepoint statement or COMMIT failed, or a task threw an Error: nothing of this
            // batch is durable, and every caller learns it.
            rollbackQuietly();
            batch.forEach(p -> p.future.completeExceptionally(e));
            return;
        }
        batches.incrementAndGet();
        tasks.addAndGet(batch.size());
        batch.forEach(Pending::complete);
    }

    /** Runs every task; returns false at the first one that throws. */
    private boolean runAll(List<Pending<?>> batch) throws SQLException {
        for (Pending<?> pending : batch) {
            try {
                pending.run(connection);
            } catch (Exception e) {
                return false;
            }
        }
        return true;
    }

    private void runInSavepoint(Pending<?> pending) throws SQLException {
        execute("SAVEPOINT task");
        try {
            pending.run(connection);
        } catch (Exception e) {
            pending.failure = e;
            execute("ROLLBACK TO task");
        }
        execute("RELEASE task");
    }

    private void execute(String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private void rollbackQuietly() {
        try {
            execute("ROLLBACK");
        } catch (SQLException e) {
            log.debug("rollback after a failed batch: {}", e.getMessage());
        }
    }

    private void joinUninterruptibly() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A queued task with its future, and its outcome until the batch commits. */
    private static final class Pending<T> {
        final WriteTask<T> task;
        final CompletableFuture<T> future = new CompletableFuture<>();
        T result;
        Exception failure;

        Pending(WriteTask<T> task) {
            this.task = task;
        }

        void run(Connection connection) throws SQLException {
            result = task.run(connection);
        }

        void complete() {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(result);
            }
        }
    }
}
