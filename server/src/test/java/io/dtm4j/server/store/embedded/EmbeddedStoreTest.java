package io.dtm4j.server.store.embedded;

import static io.dtm4j.protocol.TransStatus.PREPARED;
import static io.dtm4j.protocol.TransStatus.SUBMITTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreContractTest;
import io.dtm4j.server.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the store contract against SQLite, plus what only the embedded store promises. */
class EmbeddedStoreTest extends StoreContractTest {

    @TempDir
    Path dataDir;

    @Override
    protected Store createStore() {
        return EmbeddedStore.open(dataDir.resolve("data"));
    }

    private EmbeddedStore embedded() {
        return (EmbeddedStore) store;
    }

    private static void insertKv(Connection c, String key) throws SQLException {
        try (var ps = c.prepareStatement("INSERT INTO kv (cat, k, v) VALUES ('test', ?, 'v')")) {
            ps.setString(1, key);
            ps.executeUpdate();
        }
    }

    @Test
    void openCreatesTheDirectoryAndTheDatabaseFile() {
        assertThat(embedded().file())
                .isEqualTo(dataDir.resolve("data").resolve("dtm4j.db").toAbsolutePath());
        assertThat(embedded().file()).exists();
    }

    @Test
    void theSchemaUsesDtmTableAndColumnNames() throws SQLException {
        try (Connection c =
                DriverManager.getConnection("jdbc:sqlite:" + embedded().file())) {
            assertThat(columns(c, "trans_global"))
                    .containsExactly(
                            "id",
                            "gid",
                            "trans_type",
                            "status",
                            "query_prepared",
                            "protocol",
                            "create_time",
                            "update_time",
                            "finish_time",
                            "rollback_time",
                            "options",
                            "custom_data",
                            "next_cron_interval",
                            "next_cron_time",
                            "owner",
                            "ext_data",
                            "result",
                            "rollback_reason");
            assertThat(columns(c, "trans_branch_op"))
                    .containsExactly(
                            "id",
                            "gid",
                            "url",
                            "data",
                            "bin_data",
                            "branch_id",
                            "op",
                            "status",
                            "finish_time",
                            "rollback_time",
                            "create_time",
                            "update_time");
            assertThat(columns(c, "kv"))
                    .containsExactly("id", "cat", "k", "v", "version", "create_time", "update_time");
        }
    }

    @Test
    void theWriteConnectionUsesWalWithFullSync() throws Exception {
        GroupCommitWriter writer = embedded().writer();

        String journalMode = writer.submit(c -> pragma(c, "journal_mode")).get();
        String synchronous = writer.submit(c -> pragma(c, "synchronous")).get();

        assertThat(journalMode).isEqualTo("wal");
        assertThat(synchronous).isEqualTo("2"); // FULL
    }

    private static String pragma(Connection c, String name) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void enumsAreStoredAsWireNamesAndTimesAsEpochMillis() throws SQLException {
        save(global("g1", SUBMITTED, now));
        try (Connection c =
                        DriverManager.getConnection("jdbc:sqlite:" + embedded().file());
                ResultSet rs = c.createStatement()
                        .executeQuery("SELECT status, trans_type, create_time FROM trans_global WHERE gid = 'g1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("submitted");
            assertThat(rs.getString(2)).isEqualTo("saga");
            assertThat(rs.getLong(3)).isEqualTo(now.toEpochMilli());
        }
    }

    @Test
    void dataSurvivesCloseAndReopen() {
        save(global("g1", PREPARED, now), branch("g1", "01", "try"));
        store.createKv("topics", "t1", "v", now);
        store.close();

        store = createStore();

        assertThat(stored("g1").status()).isEqualTo(PREPARED);
        assertThat(store.findBranches("g1")).hasSize(1);
        assertThat(store.findKv("topics", "t1")).hasSize(1);
        save(global("g2", PREPARED, now));
        assertThat(stored("g2").id()).isGreaterThan(stored("g1").id());
    }

    @Test
    void closeCommitsTheWritesAlreadyQueued() throws Exception {
        GroupCommitWriter writer = embedded().writer();
        List<CompletableFuture<Void>> queued = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String key = "k" + i;
            queued.add(writer.submit(c -> {
                insertKv(c, key);
                return null;
            }));
        }

        store.close();

        for (CompletableFuture<Void> f : queued) {
            assertThat(f).isCompleted().isNotCompletedExceptionally();
        }
        store = createStore();
        assertThat(store.findKv("test", "")).hasSize(50);
    }

    @Test
    void aFailingTaskIsRolledBackAloneWhileTheRestOfItsBatchCommits() throws Exception {
        GroupCommitWriter writer = embedded().writer();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> blocker = writer.submit(c -> {
            running.countDown();
            awaitQuietly(release);
            return null;
        });
        running.await(); // the writer has taken the blocker and drained an empty queue
        long batchesBefore = writer.batches();

        CompletableFuture<String> first = writer.submit(c -> {
            insertKv(c, "first");
            return "ok-1";
        });
        CompletableFuture<String> failing = writer.submit(c -> {
            insertKv(c, "doomed");
            throw new SQLException("this task fails");
        });
        CompletableFuture<String> duplicate = writer.submit(c -> {
            insertKv(c, "also-doomed");
            insertKv(c, "first"); // violates uniq_k
            return "never";
        });
        CompletableFuture<String> last = writer.submit(c -> {
            insertKv(c, "last");
            return "ok-2";
        });
        release.countDown();
        blocker.get();

        assertThat(first.get()).isEqualTo("ok-1");
        assertThat(last.get()).isEqualTo("ok-2");
        assertThatThrownBy(failing::get).isInstanceOf(ExecutionException.class).hasMessageContaining("this task fails");
        assertThatThrownBy(duplicate::get)
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SQLException.class);
        // the blocker's batch, then one batch for all four
        assertThat(writer.batches()).isEqualTo(batchesBefore + 2);
        assertThat(store.findKv("test", "")).extracting(e -> e.key()).containsExactly("first", "last");
    }

    @Test
    void manyConcurrentWritersAllLand() throws Exception {
        int threads = 64;
        int perThread = 100;
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            writers.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        String gid = "t" + thread + "-" + i;
                        save(global(gid, SUBMITTED, now), branch(gid, "01", "action"));
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread w : writers) {
            w.join();
        }

        assertThat(errors).isEmpty();
        assertThat(store.scanGlobals("", 100_000, GlobalFilter.ALL).items()).hasSize(threads * perThread);
        assertThat(store.findBranches("t63-99")).hasSize(1);
        EmbeddedStore s = embedded();
        assertThat(s.committedWrites()).isGreaterThanOrEqualTo(threads * perThread);
        assertThat(s.committedBatches()).isLessThan(s.committedWrites()); // writes were grouped
    }

    @Test
    void errorsNameTheOperationAndTheGid() {
        GroupCommitWriter writer = embedded().writer();
        writer.close(); // the store's writer is gone; reads still work

        assertThatThrownBy(() -> store.saveNew(global("g-err", SUBMITTED, now), List.of()))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("saveNew")
                .hasMessageContaining("g-err");
    }

    @Test
    void anInvalidPositionIsRefused() {
        assertThatThrownBy(() -> store.scanGlobals("abc", 10, GlobalFilter.ALL))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("abc");
    }

    private static List<String> columns(Connection c, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                names.add(rs.getString("name"));
            }
        }
        return names;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
