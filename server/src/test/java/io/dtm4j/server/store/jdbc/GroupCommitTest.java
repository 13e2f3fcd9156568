package io.dtm4j.server.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.dtm4j.server.testing.JdbcTestDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Writes of concurrent callers share transactions; a failing write fails alone (PostgreSQL). */
class GroupCommitTest {
    private final String table = "group_commit_" + JdbcTestDatabases.freshNamespace();
    private HikariDataSource pool;
    private GroupCommit commits;

    @BeforeEach
    void start() throws SQLException {
        JdbcTestDatabases.assumeAvailable("postgres");
        pool = JdbcTestDatabases.pool("postgres", 4);
        sql("CREATE TABLE " + table + " (k int PRIMARY KEY)");
        commits = new GroupCommit("test", pool, 1, 64);
    }

    @AfterEach
    void stop() throws SQLException {
        if (commits != null) {
            commits.close();
        }
        if (pool != null) {
            sql("DROP TABLE IF EXISTS " + table);
            pool.close();
        }
    }

    @Test
    void queuedWritesCommitTogetherAndAFailingOneFailsAlone() throws Exception {
        // hold the only committer so that the next writes queue up into one batch; callers get
        // threads of their own (the common pool has one thread on a 2-core machine)
        var callers = Executors.newVirtualThreadPerTaskExecutor();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        var blocker = CompletableFuture.supplyAsync(
                () -> run(c -> {
                    holding.countDown();
                    awaitRelease(release);
                    return insert(c, 0);
                }),
                callers);
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        List<Future<Integer>> writes = new ArrayList<>();
        for (int k = 1; k <= 5; k++) {
            int key = k == 3 ? 0 : k; // key 0 exists once the blocker committed: a duplicate
            writes.add(CompletableFuture.supplyAsync(() -> run(c -> insert(c, key)), callers));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> commits.queued() == 5);
        release.countDown();

        assertThat(blocker.get(10, TimeUnit.SECONDS)).isEqualTo(0);
        for (int i = 0; i < writes.size(); i++) {
            Future<Integer> w = writes.get(i);
            if (i == 2) {
                assertThatThrownBy(() -> w.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("duplicate key");
            } else {
                assertThat(w.get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
            }
        }
        assertThat(keys()).containsExactly(0, 1, 2, 4, 5);
    }

    @Test
    void aClosedGroupRefusesWrites() {
        commits.close();

        assertThatThrownBy(() -> commits.run(c -> insert(c, 1))).hasMessageContaining("closed");
    }

    private int insert(Connection c, int key) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO " + table + " VALUES (" + key + ")");
        }
        return key;
    }

    private <T> T run(GroupCommit.Write<T> write) {
        try {
            return commits.run(write);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private List<Integer> keys() throws SQLException {
        List<Integer> keys = new ArrayList<>();
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT k FROM " + table + " ORDER BY k")) {
            while (rs.next()) {
                keys.add(rs.getInt(1));
            }
        }
        return keys;
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
