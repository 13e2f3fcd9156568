package io.dtm4j.server.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.config.ServerConfig.StoreConfig;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalFilter;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.KvEntry;
import io.dtm4j.server.store.Listing;
import io.dtm4j.server.store.Page;
import io.dtm4j.server.store.PendingBranchWrites;
import io.dtm4j.server.store.StatusChange;
import io.dtm4j.server.store.Store;
import io.dtm4j.server.store.StoreException;
import io.dtm4j.server.store.StoreRows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on PostgreSQL or MySQL/MariaDB, in dtm's tables ({@code trans_global}, {@code
 * trans_branch_op}, {@code kv}), so that a database written by dtm is served as it is. Several
 * nodes may share one database: claims lock due rows with {@code FOR UPDATE SKIP LOCKED}, and every
 * fenced write is conditional on the claim token. Times are stored at second precision (dtm's
 * column types); instants are truncated to whole seconds before they are written.
 *
 * <p>Open with {@link #open}; connections come from a HikariCP pool.
 */
public final class JdbcStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

    private static final List<String> UNFINISHED = List.of("prepared", "submitted", "aborting");
    private static final String GLOBAL_COLUMNS = "gid, trans_type, status, query_prepared, protocol, create_time,"
            + " update_time, finish_time, rollback_time, options, custom_data, next_cron_interval, next_cron_time,"
            + " owner, ext_data, result, rollback_reason";
    private static final String BRANCH_INSERT = "INSERT INTO trans_branch_op (gid, url, bin_data, branch_id, op,"
            + " status, finish_time, rollback_time, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** How long a buffered branch status write may wait for a later write of its gid. */
    private static final Duration MAX_BRANCH_LAG = Duration.ofMillis(200);
    /** Clock difference to the database above which the store warns at start. */
    private static final Duration MAX_SKEW = Duration.ofSeconds(3);

    private final SqlDialect dialect;
    private final StoreRows records;
    private final HikariDataSource pool;
    private final String namespace;
    private final PendingBranchWrites pending;
    /** Null when every write runs in a transaction of its own. */
    private final GroupCommit groupCommit;

    private JdbcStore(SqlDialect dialect, HikariDataSource pool, String namespace) {
        this.dialect = dialect;
        this.records = new StoreRows(dialect::getTime);
        this.pool = pool;
        this.namespace = namespace;
        this.pending = new PendingBranchWrites("dtm4j-" + dialect.name(), MAX_BRANCH_LAG, this::writePending);
        // measured (docs/benchmarks.md): 4x the throughput at 100 clients on PostgreSQL, no gain on MariaDB
        int committers =
                Integer.getInteger("dtm4j.jdbc.committers", dialect.name().equals("postgres") ? 2 : 0);
        this.groupCommit = committers > 0
                ? new GroupCommit(
                        "dtm4j-" + dialect.name(), pool, committers, Integer.getInteger("dtm4j.jdbc.batch", 64))
                : null;
    }

    /** Opens the store of {@code config.driver()} ({@code postgres} or {@code mysql}). */
    public static JdbcStore open(StoreConfig config) {
        return open(config, SqlDialect.forDriver(config.driver()));
    }

    /**
     * Opens a pool on the configured database, creating the database (or schema) and dtm's tables
     * when they are absent.
     *
     * @throws StoreException when the database cannot be reached or prepared
     */
    public static JdbcStore open(StoreConfig config, SqlDialect dialect) {
        String namespace = dialect.namespace(config.db(), config.schema());
        String db = SqlDialect.identifier(config.db());
        HikariDataSource pool = null;
        JdbcStore store = null;
        try {
            dialect.ensureDatabase(config.host(), config.port(), config.user(), config.password(), db);
            HikariConfig hc = new HikariConfig();
            hc.setPoolName("dtm4j-" + dialect.name());
            hc.setJdbcUrl(dialect.jdbcUrl(config.host(), config.port(), db));
            hc.setUsername(config.user());
            hc.setPassword(config.password());
            hc.setMaximumPoolSize(config.maxOpenConns());
            hc.setMinimumIdle(Math.min(Math.min(config.maxIdleConns(), config.maxOpenConns()), 10));
            hc.setMaxLifetime(config.connMaxLifeTime() == 0 ? 0 : TimeUnit.MINUTES.toMillis(config.connMaxLifeTime()));
            hc.setIdleTimeout(30_000);
            hc.setConnectionTimeout(10_000);
            dialect.configure(hc, namespace);
            pool = new HikariDataSource(hc);
            store = new JdbcStore(dialect, pool, namespace);
            store.createSchema();
            store.checkClock();
            log.info(
                    "{} store on {}:{}/{} (tables in {}), pool of {}",
                    dialect.name(),
                    config.host(),
                    config.port(),
                    db,
                    namespace,
                    config.maxOpenConns());
            return store;
        } catch (SQLException | RuntimeException e) {
            if (store != null) {
                store.pending.close();
            }
            if (pool != null) {
                pool.close();
            }
            throw new StoreException(
                    "opening the " + dialect.name() + " store at " + config.host() + ":" + config.port() + "/" + db
                            + " failed: " + e.getMessage(),
                    e);
        }
    }

    /** The dialect of this store. */
    public SqlDialect dialect() {
        return dialect;
    }

    /** The schema (postgres) or database (mysql) holding the tables. */
    public String namespace() {
        return namespace;
    }

    /** Creates the tables unless all three exist (a DBA may have created them with fewer rights). */
    private void createSchema() throws SQLException {
        try (Connection c = pool.getConnection()) {
            if (countTables(c) == 3) {
                return;
            }
            dialect.lockDdl(c);
            try (Statement s = c.createStatement()) {
                for (String sql : dialect.ddlStatements(namespace)) {
                    s.execute(sql);
                }
            } finally {
                dialect.unlockDdl(c);
            }
            log.info("created dtm's tables in {} {}", dialect.name(), namespace);
        }
    }

    private int countTables(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.countTablesSql())) {
            ps.setString(1, namespace);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    /** Warns when the database's clock (read as this store reads times) differs from ours. */
    private void checkClock() throws SQLException {
        try (Connection c = pool.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT CURRENT_TIMESTAMP AS t")) {
            rs.next();
            Instant db = dialect.getTime(rs, "t");
            Duration skew = Duration.between(Instant.now(), db).abs();
            if (skew.compareTo(MAX_SKEW) > 0) {
                log.warn(
                        "the {} database's time {} differs from this node's by {} s: clocks must agree within {} s,"
                                + " and MySQL nodes must share the time zone (see docs/operations.md)",
                        dialect.name(),
                        db,
                        skew.toSeconds(),
                        MAX_SKEW.toSeconds());
            }
        }
    }

    // ---- reads

    @Override
    public void ping() {
        run("ping", false, c -> query(c, "SELECT 1", rs -> rs.getInt(1)));
    }

    @Override
    public Optional<GlobalTrans> findGlobal(String gid) {
        return run(
                "findGlobal gid=" + gid,
                false,
                c -> query(c, "SELECT * FROM trans_global WHERE gid = ?", records::global, gid).stream()
                        .findFirst());
    }

    @Override
    public Page<GlobalTrans> scanGlobals(String position, int limit, GlobalFilter filter) {
        Listing listing = Listing.globals(position, limit, filter);
        List<GlobalTrans> rows = run(
                "scanGlobals position=" + position,
                false,
                c -> query(c, listing.sql(), records::global, listing.args().toArray()));
        return StoreRows.page(rows, limit, GlobalTrans::id);
    }

    @Override
    public List<BranchOp> findBranches(String gid) {
        return run(
                "findBranches gid=" + gid,
                false,
                c -> query(c, "SELECT * FROM trans_branch_op WHERE gid = ? ORDER BY id", records::branch, gid));
    }

    // ---- transactions and branches

    @Override
    public boolean saveNew(GlobalTrans g, List<BranchOp> branches) {
        String insert = dialect.insertIfAbsent(
                "INSERT INTO trans_global (" + GLOBAL_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                        + " ?, ?)",
                "gid");
        return write("saveNew gid=" + g.gid(), c -> {
            int inserted = updateIgnoringDuplicate(
                    c,
                    insert,
                    g.gid(),
                    g.transType(),
                    g.status(),
                    g.queryPrepared(),
                    g.protocol(),
                    time(g.createTime()),
                    time(g.updateTime()),
                    time(g.finishTime()),
                    time(g.rollbackTime()),
                    g.options(),
                    g.customData(),
                    g.nextCronInterval(),
                    time(g.nextCronTime()),
                    g.owner(),
                    g.extData(),
                    g.result(),
                    g.rollbackReason());
            if (inserted == 0) {
                return false; // nothing written (a batch may hold other writes: no rollback)
            }
            insertBranches(c, g.gid(), branches);
            return true;
        });
    }

    @Override
    public AppendResult appendBranches(String gid, TransStatus expected, List<BranchOp> branches) {
        // rare with pending branch writes (a registration while a round of the gid runs): they get a
        // transaction of their own first, which keeps the append's rollbacks simple
        return pending.carry(gid, earlier -> {
            if (!earlier.isEmpty()) {
                writePending(earlier);
            }
            return append(gid, expected, branches);
        });
    }

    private AppendResult append(String gid, TransStatus expected, List<BranchOp> branches) {
        return run("appendBranches gid=" + gid, true, c -> {
            List<String> status =
                    query(c, "SELECT status FROM trans_global WHERE gid = ? FOR UPDATE", rs -> rs.getString(1), gid);
            if (status.isEmpty() || !status.getFirst().equals(expected.wire())) {
                c.rollback();
                return AppendResult.STATUS_MISMATCH;
            }
            Set<List<String>> keys = new HashSet<>(query(
                    c,
                    "SELECT branch_id, op FROM trans_branch_op WHERE gid = ?",
                    rs -> List.of(rs.getString(1), rs.getString(2)),
                    gid));
            for (BranchOp b : branches) {
                if (!keys.add(List.of(b.branchId(), b.op()))) {
                    c.rollback();
                    return AppendResult.DUPLICATE;
                }
            }
            try {
                insertBranches(c, gid, branches);
            } catch (SQLException e) {
                if (isDuplicate(e)) {
                    c.rollback();
                    return AppendResult.DUPLICATE;
                }
                throw e;
            }
            return AppendResult.APPENDED;
        });
    }

    private void insertBranches(Connection c, String gid, List<BranchOp> branches) throws SQLException {
        if (branches.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(BRANCH_INSERT)) {
            for (BranchOp b : branches) {
                bind(
                        ps,
                        gid,
                        b.url(),
                        b.binData(),
                        b.branchId(),
                        b.op(),
                        b.status(),
                        time(b.finishTime()),
                        time(b.rollbackTime()),
                        time(b.createTime()),
                        time(b.updateTime()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public boolean updateBranchStatus(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        var write = new PendingBranchWrites.Write(gid, branchId, op, status, now, owner);
        return pending.carry(gid, earlier -> {
            List<PendingBranchWrites.Write> all = new ArrayList<>(earlier);
            all.add(write);
            return write(
                    "updateBranchStatus gid=" + gid,
                    c -> applyFenced(c, gid, all).getLast());
        });
    }

    /**
     * Buffers the write; the next synchronous write of {@code gid} (status change, cron update, branch
     * update or append) or {@link #flush} applies it in its own database transaction, fenced by the
     * owner it was issued under (see {@link #carried}).
     */
    @Override
    public void updateBranchStatusOrdered(
            String gid, String branchId, String op, TransStatus status, Instant now, String owner) {
        pending.add(new PendingBranchWrites.Write(gid, branchId, op, status, now, owner));
    }

    @Override
    public void flush() {
        pending.flush();
    }

    /** Writes pending branch writes of one gid in a transaction of their own. */
    private List<Boolean> writePending(List<PendingBranchWrites.Write> writes) {
        String gid = writes.getFirst().gid();
        return write("updateBranchStatus gid=" + gid, c -> applyFenced(c, gid, writes));
    }

    /**
     * Applies branch writes of {@code gid} in order, each only while the global's owner is the one it
     * was issued under. The shared lock on the global orders them with a claim (an update of that
     * row): either they commit before the claim, or they see the new owner and write nothing.
     *
     * @return per write, whether it changed a row
     */
    private List<Boolean> applyFenced(Connection c, String gid, List<PendingBranchWrites.Write> writes)
            throws SQLException {
        return applyFenced(c, gid, writes, dialect.forShare());
    }

    /** {@link #applyFenced} with the lock {@code lockClause} on the global row. */
    private List<Boolean> applyFenced(
            Connection c, String gid, List<PendingBranchWrites.Write> writes, String lockClause) throws SQLException {
        List<String> owner =
                query(c, "SELECT owner FROM trans_global WHERE gid = ?" + lockClause, rs -> rs.getString(1), gid);
        return applyAllowed(c, writes, owner.isEmpty() ? null : owner.getFirst(), !owner.isEmpty());
    }

    /** Applies the writes allowed for {@code currentOwner} (none when the global is missing). */
    private List<Boolean> applyAllowed(
            Connection c, List<PendingBranchWrites.Write> writes, String currentOwner, boolean exists)
            throws SQLException {
        List<Boolean> applied = new ArrayList<>(writes.size());
        for (PendingBranchWrites.Write w : writes) {
            applied.add(exists && w.allowedFor(currentOwner) && setBranchStatus(c, w) > 0);
        }
        return applied;
    }

    /** Sets the status columns of the branch row; returns how many rows changed. */
    private int setBranchStatus(Connection c, PendingBranchWrites.Write w) throws SQLException {
        StringBuilder sql = new StringBuilder("UPDATE trans_branch_op SET status = ?, update_time = ?");
        List<Object> args = new ArrayList<>(List.of(w.status(), time(w.now())));
        if (w.status() == TransStatus.SUCCEED) {
            sql.append(", finish_time = ?");
            args.add(time(w.now()));
        } else if (w.status() == TransStatus.FAILED) {
            sql.append(", rollback_time = ?");
            args.add(time(w.now()));
        }
        sql.append(" WHERE gid = ? AND branch_id = ? AND op = ?");
        args.addAll(List.of(w.gid(), w.branchId(), w.op()));
        return update(c, sql.toString(), args.toArray());
    }

    /**
     * Runs a synchronous write of the global row of {@code gid} ({@code write}, one conditional
     * UPDATE) together with the gid's pending branch writes, in one database transaction. When the
     * write is fenced by {@code owner} and succeeds, it holds the row lock with that owner verified,
     * so the pending writes issued under that owner apply as they are; otherwise each pending write is
     * checked against the owner read under a lock ({@link #applyFenced}). Either way a pending write
     * applies exactly when the claim it was issued under still holds, as it would have when written
     * synchronously: a round that lost its claim has its writes dropped with its status or cron
     * write, while writes of the current owner survive a status write that lost only on the status
     * (an admin forceStop, say), so that a finished transaction's branch rows are accurate.
     */
    private boolean carried(String what, String gid, String owner, Work<Boolean> write) {
        return pending.carry(gid, earlier -> {
            if (earlier.isEmpty()) {
                return groupCommit == null ? run(what, false, write) : write(what, write);
            }
            return write(what, c -> {
                if (owner == null) {
                    // unfenced (admin) write: the pending writes go first, checked under the row lock
                    // that the write needs anyway (taken exclusive at once: no shared-to-exclusive upgrade)
                    applyFenced(c, gid, earlier, " FOR UPDATE");
                    return write.run(c);
                }
                boolean ok = write.run(c);
                if (ok) {
                    applyAllowed(c, earlier, owner, true);
                } else {
                    applyFenced(c, gid, earlier);
                }
                return ok;
            });
        });
    }

    @Override
    public boolean changeGlobalStatus(String gid, StatusChange change) {
        Instant now = change.now();
        StringBuilder sql = new StringBuilder("UPDATE trans_global SET status = ?, update_time = ?");
        List<Object> args = new ArrayList<>(List.of(change.to(), time(now)));
        if (change.to() == TransStatus.SUCCEED) {
            sql.append(", finish_time = ?");
            args.add(time(now));
        } else if (change.to() == TransStatus.FAILED) {
            sql.append(", rollback_time = ?");
            args.add(time(now));
        }
        if (change.rollbackReason() != null) {
            sql.append(", rollback_reason = ?");
            args.add(change.rollbackReason());
        }
        if (change.result() != null) {
            sql.append(", result = ?");
            args.add(change.result());
        }
        if (change.newOwner() != null) {
            sql.append(", owner = ?");
            args.add(change.newOwner());
        }
        sql.append(" WHERE gid = ? AND status = ?");
        args.add(gid);
        args.add(change.from());
        if (change.owner() != null) {
            sql.append(" AND owner = ?");
            args.add(change.owner());
        }
        return carried(
                "changeGlobalStatus gid=" + gid,
                gid,
                change.owner(),
                c -> update(c, sql.toString(), args.toArray()) > 0);
    }

    @Override
    public boolean touchCronTime(
            String gid, TransStatus expected, String owner, long intervalSeconds, Instant nextCronTime, Instant now) {
        String sql = "UPDATE trans_global SET next_cron_interval = ?, next_cron_time = ?, update_time = ?"
                + " WHERE gid = ? AND status = ?" + (owner == null ? "" : " AND owner = ?");
        List<Object> args = new ArrayList<>(List.of(intervalSeconds, time(nextCronTime), time(now), gid, expected));
        if (owner != null) {
            args.add(owner);
        }
        return carried("touchCronTime gid=" + gid, gid, owner, c -> update(c, sql, args.toArray()) > 0);
    }

    // ---- scheduling

    /**
     * Locks the earliest due rows of each unfinished status through the (status, next_cron_time)
     * index, skipping rows another claimer holds, then takes the earliest {@code limit} of them.
     * One query per status keeps each an ordered index range scan that stops at {@code limit} rows
     * (with {@code status IN (…)}, MySQL sorts, and locks, every due row). The order is the index's
     * alone: adding {@code id} made PostgreSQL sort every due row for each claim (56 ms per claim
     * with 100,000 due, against 0.06 ms); ties are broken by id below, among the rows taken.
     */
    @Override
    public List<GlobalTrans> claimDue(
            Instant dueBy, Instant leaseUntil, String owner, int limit, Instant now, Predicate<String> mayClaim) {
        if (limit <= 0) {
            return List.of();
        }
        return run("claimDue owner=" + owner, true, c -> {
            record Due(long id, String gid, Instant next) {}
            List<Due> due = new ArrayList<>();
            for (String status : UNFINISHED) {
                // up to limit accepted of each status, page by page past the refused ones (rows this
                // transaction locked stay in the range, so the offsets hold)
                int accepted = 0;
                for (int offset = 0; accepted < limit; offset += limit) {
                    List<Due> page = query(
                            c,
                            "SELECT id, gid, next_cron_time FROM trans_global WHERE status = ? AND next_cron_time <= ?"
                                    + " ORDER BY next_cron_time LIMIT ? OFFSET ? FOR UPDATE SKIP LOCKED",
                            rs -> new Due(rs.getLong("id"), rs.getString("gid"), dialect.getTime(rs, "next_cron_time")),
                            status,
                            time(dueBy),
                            limit,
                            offset);
                    for (Due d : page) {
                        if (accepted < limit && mayClaim.test(d.gid())) {
                            due.add(d);
                            accepted++;
                        }
                    }
                    if (page.size() < limit) {
                        break;
                    }
                }
            }
            if (due.isEmpty()) {
                return List.<GlobalTrans>of();
            }
            List<Long> ids = due.stream()
                    .sorted(Comparator.comparing(Due::next).thenComparingLong(Due::id))
                    .limit(limit)
                    .map(Due::id)
                    .toList();
            String in = ids.stream().map(id -> "?").collect(Collectors.joining(", ", "(", ")"));
            List<Object> args = new ArrayList<>(List.of(owner, time(leaseUntil), time(now)));
            args.addAll(ids);
            String update = "UPDATE trans_global SET owner = ?, next_cron_time = ?, update_time = ? WHERE id IN " + in;
            List<GlobalTrans> claimed;
            if (dialect.updateReturning()) {
                claimed = query(c, update + " RETURNING *", records::global, args.toArray());
            } else {
                update(c, update, args.toArray());
                claimed = query(c, "SELECT * FROM trans_global WHERE id IN " + in, records::global, ids.toArray());
            }
            return claimed.stream()
                    .sorted(Comparator.comparingLong(GlobalTrans::id))
                    .toList();
        });
    }

    @Override
    public long countDue(Instant dueBy) {
        return run(
                "countDue",
                false,
                c -> query(
                                c,
                                "SELECT count(*) FROM trans_global WHERE status IN ('prepared', 'submitted', 'aborting')"
                                        + " AND next_cron_time <= ?",
                                rs -> rs.getLong(1),
                                time(dueBy))
                        .getFirst());
    }

    @Override
    public Map<TransStatus, StatusCount> countByStatus(long cap) {
        return run(
                "countByStatus",
                false,
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
        return run("resetCronTime", true, c -> {
            List<Long> ids = query(
                    c,
                    "SELECT id FROM trans_global WHERE status IN ('prepared', 'submitted', 'aborting')"
                            + " AND next_cron_time > ? ORDER BY next_cron_time, id LIMIT ? FOR UPDATE",
                    rs -> rs.getLong(1),
                    time(after),
                    (long) limit + 1);
            List<Long> chosen = ids.subList(0, Math.min(limit, ids.size()));
            int changed = 0;
            if (!chosen.isEmpty()) {
                List<Object> args = new ArrayList<>(List.of(time(now), time(now)));
                args.addAll(chosen);
                changed = update(
                        c,
                        "UPDATE trans_global SET next_cron_time = ?, update_time = ? WHERE id IN "
                                + chosen.stream().map(id -> "?").collect(Collectors.joining(", ", "(", ")")),
                        args.toArray());
            }
            return new ResetResult(changed, ids.size() > limit);
        });
    }

    @Override
    public boolean resetNextCronTime(String gid, Instant now) {
        return run(
                "resetNextCronTime gid=" + gid,
                false,
                c -> update(
                                c,
                                "UPDATE trans_global SET next_cron_time = ?, update_time = ? WHERE gid = ?",
                                time(now),
                                time(now),
                                gid)
                        > 0);
    }

    @Override
    public int deleteFinished(Instant finishedBefore, int limit) {
        if (limit <= 0) {
            return 0;
        }
        return run("deleteFinished", true, c -> {
            List<String> gids = query(
                    c,
                    "SELECT gid FROM trans_global WHERE status IN ('succeed', 'failed') AND update_time < ?"
                            + " ORDER BY update_time, id LIMIT ? FOR UPDATE SKIP LOCKED",
                    rs -> rs.getString(1),
                    time(finishedBefore),
                    limit);
            if (gids.isEmpty()) {
                return 0;
            }
            String in = gids.stream().map(g -> "?").collect(Collectors.joining(", ", "(", ")"));
            update(c, "DELETE FROM trans_branch_op WHERE gid IN " + in, gids.toArray());
            return update(
                    c,
                    "DELETE FROM trans_global WHERE status IN ('succeed', 'failed') AND gid IN " + in,
                    gids.toArray());
        });
    }

    // ---- kv

    @Override
    public Page<KvEntry> scanKv(String cat, String position, int limit) {
        Listing listing = Listing.kv(cat, position, limit);
        List<KvEntry> rows = run(
                "scanKv cat=" + cat,
                false,
                c -> query(c, listing.sql(), records::kv, listing.args().toArray()));
        return StoreRows.page(rows, limit, KvEntry::id);
    }

    @Override
    public List<KvEntry> findKv(String cat, String key) {
        return run(
                "findKv cat=" + cat + " key=" + key,
                false,
                c -> key.isEmpty()
                        ? query(c, "SELECT * FROM kv WHERE cat = ? ORDER BY id", records::kv, cat)
                        : query(c, "SELECT * FROM kv WHERE cat = ? AND k = ?", records::kv, cat, key));
    }

    @Override
    public boolean createKv(String cat, String key, String value, Instant now) {
        String insert = dialect.insertIfAbsent(
                "INSERT INTO kv (cat, k, v, version, create_time, update_time) VALUES (?, ?, ?, 1, ?, ?)", "cat, k");
        return run(
                "createKv cat=" + cat + " key=" + key,
                false,
                c -> updateIgnoringDuplicate(c, insert, cat, key, value, time(now), time(now)) > 0);
    }

    @Override
    public boolean updateKv(String cat, String key, String value, long expectedVersion, Instant now) {
        return run(
                "updateKv cat=" + cat + " key=" + key,
                false,
                c -> update(
                                c,
                                "UPDATE kv SET v = ?, version = version + 1, update_time = ?"
                                        + " WHERE cat = ? AND k = ? AND version = ?",
                                value,
                                time(now),
                                cat,
                                key,
                                expectedVersion)
                        > 0);
    }

    @Override
    public boolean deleteKv(String cat, String key) {
        return run(
                "deleteKv cat=" + cat + " key=" + key,
                false,
                c -> update(c, "DELETE FROM kv WHERE cat = ? AND k = ?", cat, key) > 0);
    }

    /** Writes pending branch writes, then closes the pool; later calls fail with {@link StoreException}. */
    @Override
    public void close() {
        try {
            pending.flush();
        } catch (StoreException e) {
            log.warn("branch statuses not written at close: {}", e.getMessage());
        } finally {
            pending.close();
            if (groupCommit != null) {
                groupCommit.close();
            }
            pool.close();
        }
    }

    // ---- plumbing

    /** Work on one pooled connection. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Maps the current row of a result set. */
    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A null time with its SQL type, so that PostgreSQL accepts the null. */
    private enum NullTime {
        INSTANCE
    }

    /**
     * Runs {@code work} on a pooled connection; with {@code transaction}, in one database
     * transaction committed when {@code work} returns (unless it rolled back) and rolled back when it
     * throws. A dialect whose pool hands out connections without autocommit (MySQL: there each
     * toggle is a round trip) runs every work, reads too, as a transaction and never toggles.
     */
    private <T> T run(String what, boolean transaction, Work<T> work) {
        try (Connection c = pool.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            if (!transaction && autoCommit) {
                return work.run(c);
            }
            if (autoCommit) {
                c.setAutoCommit(false);
            }
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                if (autoCommit) {
                    c.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** Runs {@code work} in a transaction: a batch of the group commit when it is on, else its own. */
    private <T> T write(String what, Work<T> work) {
        if (groupCommit == null) {
            return run(what, true, work);
        }
        try {
            return groupCommit.run(work::run);
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the original failure is reported
        }
    }

    private boolean isDuplicate(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (dialect.isDuplicate(x)) {
                return true;
            }
        }
        return e.getCause() instanceof SQLException cause && dialect.isDuplicate(cause);
    }

    /**
     * Runs an insert prepared by {@link SqlDialect#insertIfAbsent}; returns 0 when the row exists.
     * In a transaction, a duplicate-key error leaves the transaction for the caller to roll back.
     */
    private int updateIgnoringDuplicate(Connection c, String sql, Object... args) throws SQLException {
        try {
            return update(c, sql, args);
        } catch (SQLException e) {
            if (isDuplicate(e)) {
                return 0;
            }
            throw e;
        }
    }

    private int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(mapper.map(rs));
                }
                return rows;
            }
        }
    }

    private void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            int index = i + 1;
            switch (args[i]) {
                case null -> ps.setNull(index, Types.VARCHAR);
                case NullTime n -> dialect.setNullTime(ps, index);
                case Instant t -> dialect.setTime(ps, index, t);
                case TransStatus s -> ps.setString(index, s.wire());
                case TransType t -> ps.setString(index, t.wire());
                case String s -> ps.setString(index, s);
                case Long l -> ps.setLong(index, l);
                case Integer n -> ps.setInt(index, n);
                case byte[] b -> ps.setBytes(index, b);
                default -> ps.setObject(index, args[i]);
            }
        }
    }

    /** A time as stored: whole seconds (dtm's columns), or the typed null. */
    private static Object time(Instant t) {
        return t == null ? NullTime.INSTANCE : t.truncatedTo(ChronoUnit.SECONDS);
    }
}
