package io.dtm4j.server.store.embedded;

import static io.dtm4j.server.store.embedded.Sql.query;
import static io.dtm4j.server.store.embedded.Sql.update;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Listing;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreException;
import io.dtm4j.server.store.StoreRows;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The default store: one SQLite file ({@value #FILE_NAME}) in a data directory, with dtm's SQL
 * table layout. Writes go through a {@link GroupCommitWriter} (WAL, synchronous=FULL, one fsync
 * per batch); reads run on a {@link ReadPool}. Callers may be virtual threads: no SQLite call runs
 * on the caller's thread.
 *
 * <p>Open with {@link #open(Path)}, close with {@link #close()}.
 */
public final class EmbeddedStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

    /** Name of the database file inside the data directory. */
    public static final String FILE_NAME = "dtm4j.db";

    private static final String SCHEMA = "schema.sql";
    private static final int READ_THREADS = 4;
    private static final int MAX_BATCH = 256;
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;
    private static final String UNFINISHED = "status IN ('prepared', 'submitted', 'aborting')";

    private final Path file;
    private final GroupCommitWriter writer;
    private final ReadPool reads;

    private EmbeddedStore(Path file, GroupCommitWriter writer, ReadPool reads) {
        this.file = file;
        this.writer = writer;
        this.reads = reads;
    }

    /**
     * Opens (creating when absent) the directory {@code dataDir}, its database file and the tables.
     *
     * @throws StoreException when the directory or the database cannot be opened
     */
    public static EmbeddedStore open(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        String url = "jdbc:sqlite:" + file;
        Connection writeConnection = null;
        try {
            Files.createDirectories(dataDir);
            writeConnection = DriverManager.getConnection(url, writeConfig().toProperties());
            createSchema(writeConnection);
        } catch (IOException | SQLException e) {
            closeQuietly(writeConnection);
            throw new StoreException("opening the embedded store " + file + " failed: " + e.getMessage(), e);
        }
        GroupCommitWriter writer = new GroupCommitWriter(writeConnection, MAX_BATCH, "dtm4j-sqlite-writer");
        ReadPool reads = new ReadPool(
                READ_THREADS,
                "dtm4j-sqlite-reader",
                () -> DriverManager.getConnection(url, readConfig().toProperties()));
        return new EmbeddedStore(file, writer, reads);
    }

    /** Returns the database file. */
    public Path file() {
        return file;
    }

    /** Returns how many write batches (each one transaction and one fsync) have committed. */
    public long committedBatches() {
        return writer.batches();
    }

    /** Returns how many write tasks have run in committed batches. */
    public long committedWrites() {
        return writer.tasks();
    }

    GroupCommitWriter writer() {
        return writer;
    }

    @Override
    public void ping() {
        read("ping", c -> query(c, "SELECT 1", rs -> rs.getInt(1)));
        write("ping", c -> null);
    }

    @Override
    public Optional<GlobalTrans> findGlobal(String gid) {
        return read(
                "findGlobal gid=" + gid,
                c -> query(c, "SELECT * FROM trans_global WHERE gid = ?", Sql::global, gid).stream()
                        .findFirst());
    }

    @Override
    public Page<GlobalTrans> scanGlobals(String position, int limit, GlobalFilter filter) {
        Listing listing = Listing.globals(position, limit, filter);
        List<GlobalTrans> rows = read(
                "scanGlobals position=" + position,
                c -> query(c, listing.sql(), Sql::global, listing.args().toArray()));
        return StoreRows.page(rows, limit, GlobalTrans::id);
    }

    @Override
    public List<BranchOp> findBranches(String gid) {
        return read(
                "findBranches gid=" + gid,
                c -> query(c, "SELECT * FROM trans_branch_op WHERE gid = ? ORDER BY id", Sql::branch, gid));
    }

    /** Stores the global and its rows; rows are stored under {@code global.gid()}. */
    @Override
    public boolean saveNew(GlobalTrans global, List<BranchOp> branches) {
        return write("saveNew gid=" + global.gid(), c -> {
            int inserted = update(
                    c,
                    """
                    INSERT INTO trans_global (gid, trans_type, status, query_prepared, protocol,
                        create_time, update_time, finish_time, rollback_time, options, custom_data,
                        next_cron_interval, next_cron_time, owner, ext_data, result, rollback_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (gid) DO NOTHING""",
                    global.gid(),
                    global.transType(),
                    global.status(),
                    global.queryPrepared(),
                    global.protocol(),
                    global.createTime(),
                    global.updateTime(),
                    global.finishTime(),
                    global.rollbackTime(),
                    global.options(),
                    global.customData(),
                    global.nextCronInterval(),
                    global.nextCronTime(),
                    global.owner(),
                    global.extData(),
                    global.result(),
                    global.rollbackReason());
            if (inserted == 0) {
                return false;
            }
            insertBranches(c, global.gid(), branches);
            return true;
        });
    }

    /** Appends the rows under {@code gid}, whatever gid the rows themselves carry. */
    @Override
    public AppendResult appendBranches(String gid, TransStatus expected, List<BranchOp> branches) {
        return write("appendBranches gid=" + gid, c -> {
            List<String> status = query(c, "SELECT status FROM trans_global WHERE gid = ?", rs -> rs.getString(1), gid);
            if (status.isEmpty() || !status.getFirst().equals(expected.wire())) {
                return AppendResult.STATUS_MISMATCH;
            }
            Set<List<String>> keys = new HashSet<>();
            for (BranchOp b : branches) {
                boolean stored = !query(
                                c,
                                "SELECT 1 FROM trans_branch_op WHERE gid = ? AND branch_id = ? AND op = ?",
                                rs -> 1,
                                gid,
                                b.branchId(),
                                b.op())
                        .isEmpty();
                if (stored || !keys.add(List.of(b.branchId(), b.op()))) {
                    return AppendResult.DUPLICATE;
                }
            }
            insertBranches(c, gid, branches);
            return AppendResult.APPENDED;
        });
    }

    private static void insertBranches(Connection c, String gid, List<BranchOp> branches) throws SQLException {
        for (BranchOp b : branches) {
            update(
                    c,
                    """
                    INSERT INTO trans_branch_op (gid, url, bin_data, branch_id, op, status,
                        finish_time, rollback_time, create_time, update_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    gid,
                    b.url(),
                    b.binData(),
                    b.branchId(),
                    b.op(),
                    b.status(),
                    b.finishTime(),
                    b.rollbackTime(),
                    b.createTime(),
                    b.updateTime());
        }
    }

    @Override
    public boolean updateBranchStatus(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        return write("updateBranchStatus gid=" + gid, c -> setBranchStatus(c, gid, branchId, op, status, now, owner));
    }

    private static boolean setBranchStatus(
            Connection c, String gid, String branchId, String op, TransStatus status, Instant now, String owner)
            throws SQLException {
        return update(
                        c,
                        """
                        UPDATE trans_branch_op SET status = ?, update_time = ?,
                            finish_time = COALESCE(?, finish_time),
                            rollback_time = COALESCE(?, rollback_time)
                        WHERE gid = ? AND branch_id = ? AND op = ?
                          AND (? IS NULL OR EXISTS (SELECT 1 FROM trans_global g WHERE g.gid = ? AND g.owner = ?))""",
                        status,
                        now,
                        status == TransStatus.SUCCEED ? now : null,
                        status == TransStatus.FAILED ? now : null,
                        gid,
                        branchId,
                        op,
                        owner,
                        gid,
                        owner)
                > 0;
    }

    @Override
    public void updateBranchStatusOrdered(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        // the single writer applies tasks in submission order, so later writes commit after this one
        writer.submit(c -> setBranchStatus(c, gid, branchId, op, status, now, owner))
                .whenComplete((ok, e) -> {
                    if (e != null || Boolean.FALSE.equals(ok)) {
                        log.warn(
                                "updateBranchStatus gid={} branch {} {} not stored: {}",
                                gid,
                                branchId,
                                op,
                                e != null ? e.getMessage() : "no such row, or the claim was lost");
                    }
                });
    }

    @Override
    public void flush() {
        write("flush", c -> null); // the writer is FIFO: this commits after every earlier write
    }

    @Override
    public boolean changeGlobalStatus(String gid, StatusChange change) {
        Instant now = change.now();
        return write(
                "changeGlobalStatus gid=" + gid,
                c -> update(
                                c,
                                """
                                UPDATE trans_global SET status = ?, update_time = ?,
                                    finish_time = COALESCE(?, finish_time),
                                    rollback_time = COALESCE(?, rollback_time),
                                    rollback_reason = COALESCE(?, rollback_reason),
                                    result = COALESCE(?, result),
                                    owner = COALESCE(?, owner)
                                WHERE gid = ? AND status = ? AND (? IS NULL OR owner = ?)""",
                                change.to(),
                                now,
                                change.to() == TransStatus.SUCCEED ? now : null,
                                change.to() == TransStatus.FAILED ? now : null,
                                change.rollbackReason(),
                                change.result(),
                                change.newOwner(),
                                gid,
                                change.from(),
                                change.owner(),
                                change.owner())
                        > 0);
    }

    @Override
    public boolean touchCronTime(
            String gid, TransStatus expected, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        return write(
                "touchCronTime gid=" + gid,
                c -> update(c, """
                                UPDATE trans_global SET next_cron_interval = ?, next_cron_time = ?, update_time = ?
                                WHERE gid = ? AND status = ? AND (? IS NULL OR owner = ?)""", intervalSeconds, nextCronTime, now, gid, expected, owner, owner) > 0);
    }

    @Override
    public int deleteFinished(Instant finishedBefore, int limit) {
        return write("deleteFinished", c -> {
            List<String> gids = query(
                    c,
                    "SELECT gid FROM trans_global WHERE status IN ('succeed', 'failed') AND update_time < ?"
                            + " ORDER BY update_time, id LIMIT ?",
                    rs -> rs.getString(1),
                    finishedBefore,
                    limit);
            for (String gid : gids) {
                update(c, "DELETE FROM trans_branch_op WHERE gid = ?", gid);
                update(c, "DELETE FROM trans_global WHERE gid = ? AND status IN ('succeed', 'failed')", gid);
            }
            return gids.size();
        });
    }

    /** Claims due transactions; the result is ordered by id (RETURNING keeps no order). */
    @Override
    public List<GlobalTrans> claimDue(
            Instant dueBy, Instant leaseUntil, String owner, int limit, Instant now, Predicate<String> mayClaim) {
        if (limit <= 0) {
            return List.of();
        }
        List<GlobalTrans> claimed = write("claimDue owner=" + owner, c -> {
            // the single writer holds the database: the candidates cannot change between pages
            record Candidate(long id, String gid) {}
            List<Long> ids = new ArrayList<>();
            for (int offset = 0; ids.size() < limit; offset += limit) {
                List<Candidate> page = query(
                        c,
                        "SELECT id, gid FROM trans_global WHERE " + UNFINISHED
                                + " AND next_cron_time <= ? ORDER BY next_cron_time, id LIMIT ? OFFSET ?",
                        rs -> new Candidate(rs.getLong(1), rs.getString(2)),
                        dueBy,
                        limit,
                        offset);
                for (Candidate candidate : page) {
                    if (ids.size() < limit && mayClaim.test(candidate.gid())) {
                        ids.add(candidate.id());
                    }
                }
                if (page.size() < limit) {
                    break;
                }
            }
            if (ids.isEmpty()) {
                return List.<GlobalTrans>of();
            }
            String in = ids.stream().map(id -> "?").collect(Collectors.joining(", ", "(", ")"));
            List<Object> args = new ArrayList<>(List.of(owner, leaseUntil, now));
            args.addAll(ids);
            return query(
                    c,
                    "UPDATE trans_global SET owner = ?, next_cron_time = ?, update_time = ? WHERE id IN " + in
                            + " RETURNING *",
                    Sql::global,
                    args.toArray());
        });
        return claimed.stream()
                .sorted(Comparator.comparingLong(GlobalTrans::id))
                .toList();
    }

    @Override
    public long countDue(Instant dueBy) {
        return read(
                "countDue",
                c -> query(
                                c,
                                "SELECT count(*) FROM trans_global WHERE " + UNFINISHED + " AND next_cron_time <= ?",
                                rs -> rs.getLong(1),
                                dueBy)
                        .getFirst());
    }

    @Override
    public Map<TransStatus, StatusCount> countByStatus(long cap) {
        return read(
                "countByStatus",
                c -> Listing.statusCounts(
                        cap,
                        count -> query(
                                        c,
                                        count.sql(),
                                        rs -> rs.getLong(1),
                                        count.args().toArray())
                                .getFirst()));
    }

    @Override
    public ResetResult resetCronTime(Instant after, int limit, Instant now) {
        String candidates = "SELECT id FROM trans_global WHERE " + UNFINISHED
                + " AND next_cron_time > ? ORDER BY next_cron_time, id LIMIT ?";
        return write("resetCronTime", c -> {
            int found = query(c, candidates, rs -> 1, after, (long) limit + 1).size();
            int changed = update(
                    c,
                    "UPDATE trans_global SET next_cron_time = ?, update_time = ? WHERE id IN (" + candidates + ")",
                    now,
                    now,
                    after,
                    limit);
            return new ResetResult(changed, found > limit);
        });
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return write(
                "resetNextCronTime gid=" + gid,
                c -> update(
                                c,
                                "UPDATE trans_global SET next_cron_time = ?, update_time = ? WHERE gid = ?",
                                now,
                                now,
                                gid)
                        > 0);
    }

    @Override
    public Page<KvEntry> scanKv(String cat, String position, int limit) {
        Listing listing = Listing.kv(cat, position, limit);
        List<KvEntry> rows = read(
                "scanKv cat=" + cat,
                c -> query(c, listing.sql(), Sql::kv, listing.args().toArray()));
        return StoreRows.page(rows, limit, KvEntry::id);
    }

    @Override
    public List<KvEntry> findKv(String cat, String key) {
        return read(
                "findKv cat=" + cat + " key=" + key,
                c -> key.isEmpty()
                        ? query(c, "SELECT * FROM kv WHERE cat = ? ORDER BY id", Sql::kv, cat)
                        : query(c, "SELECT * FROM kv WHERE cat = ? AND k = ?", Sql::kv, cat, key));
    }

    @Override
    public boolean createKv(String cat, String key, String value, Instant now) {
        return write("createKv cat=" + cat + " key=" + key, c -> update(c, """
                                INSERT INTO kv (cat, k, v, version, create_time, update_time)
                                VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (cat, k) DO NOTHING""", cat, key, value, now, now) > 0);
    }

    @Override
    public boolean updateKv(String cat, String key, String value, long expectedVersion, Instant now) {
        return write(
                "updateKv cat=" + cat + " key=" + key, c -> update(c, """
                                UPDATE kv SET v = ?, version = version + 1, update_time = ?
                                WHERE cat = ? AND k = ? AND version = ?""", value, now, cat, key, expectedVersion) > 0);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return write(
                "deleteKv cat=" + cat + " key=" + key,
                c -> update(c, "DELETE FROM kv WHERE cat = ? AND k = ?", cat, key) > 0);
    }

    /**
     * Lets running reads finish, commits the writes already queued and closes every connection. The
     * write connection closes last, so that SQLite checkpoints the WAL into the database file.
     */
    @Override
    public void close() {
        reads.close();
        writer.close();
    }

    private <T> T write(String what, GroupCommitWriter.WriteTask<T> task) {
        try {
            return await(what, writer.submit(task));
        } catch (StoreException e) {
            throw new StoreException(what + ": " + e.getMessage(), e);
        }
    }

    private <T> T read(String what, ReadPool.ReadTask<T> task) {
        try {
            return await(what, reads.submit(task));
        } catch (RejectedExecutionException e) {
            throw new StoreException(what + ": the embedded store is closed", e);
        }
    }

    private static <T> T await(String what, Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new StoreException(what + " failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(what + ": interrupted while waiting (a write may still commit)", e);
        }
    }

    private static SQLiteConfig writeConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        return config;
    }

    private static SQLiteConfig readConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        return config;
    }

    private static void createSchema(Connection connection) throws SQLException, IOException {
        String ddl;
        try (InputStream in = EmbeddedStore.class.getResourceAsStream(SCHEMA)) {
            if (in == null) {
                throw new IOException("resource " + SCHEMA + " is missing");
            }
            ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Statement statement = connection.createStatement()) {
            for (String sql : ddl.replaceAll("(?m)^--.*$", "").split(";")) {
                if (!sql.isBlank()) {
                    statement.execute(sql);
                }
            }
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            Sql.forget(connection);
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already failing; the original error is reported
            }
        }
    }
}
