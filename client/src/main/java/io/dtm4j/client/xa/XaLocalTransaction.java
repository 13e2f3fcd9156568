package io.dtm4j.client.xa;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmException;
import io.dtm4j.client.DtmFailureException;
import io.dtm4j.client.GrpcBranch;
import io.dtm4j.client.barrier.BranchBarrier;
import io.dtm4j.protocol.Ops;
import io.dtm4j.protocol.TransType;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The resource-manager side of an XA branch: serves every request the application ({@code op=action})
 * and the server ({@code op=commit}, {@code op=rollback}) send to the branch URL, from any web
 * framework. Call {@link #handle(Map, XaBusiness)} with the request's query parameters and answer
 * as {@link io.dtm4j.client.HttpResults} says for the exception it throws (or 200 when it returns);
 * a gRPC method calls {@link #handleGrpc(XaBusiness)} instead.
 *
 * <p>Phase one ({@code action}) runs the business in a local transaction with xid {@code
 * <gid>-<branch_id>} ({@code XA START} on MySQL and MariaDB, {@code BEGIN} on PostgreSQL), records
 * the barrier row ({@code xa}, gid, branch, {@code action}, {@code 01}, reason {@code action}),
 * registers the branch with the server named by the query's {@code dtm} (over HTTP for an
 * {@code http(s)://} URL, over gRPC for anything else), and leaves the transaction
 * prepared ({@code XA END} + {@code XA PREPARE}; {@code PREPARE TRANSACTION}). Any error rolls it
 * back. Phase two commits or rolls back the prepared transaction, and treats an unknown xid as
 * already done so that repeated calls succeed; after a rollback it writes the barrier row with
 * reason {@code rollback}, so that a phase one arriving late does nothing and answers FAILURE.
 *
 * <p>Requirements: the barrier table (default {@value BranchBarrier#DEFAULT_TABLE}) in the business
 * database; on PostgreSQL, {@code max_prepared_transactions} above 0 (it is 0 by default, which makes
 * every phase one fail); an xid of at most 64 bytes on MySQL and MariaDB. Each call takes its own
 * connection from {@code db} and closes it. On MySQL and MariaDB that must end the session (use
 * the driver's own {@code DataSource}, not a pool): they keep a prepared XA transaction bound to its
 * session until the session ends, so a pooled connection would come back unable to start another
 * transaction. PostgreSQL detaches a prepared transaction from its session, so a pool is fine there.
 * Thread-safe.
 */
public final class XaLocalTransaction {
    /** Clients per server URL, so phase one does not build an HTTP client per request; bounded against odd input. */
    private static final Map<String, DtmClient> SERVERS = new ConcurrentHashMap<>();

    private static final int MAX_SERVERS = 16;

    /** Phase one's barrier row always has barrier id 01: one XA local transaction per branch. */
    private static final String BARRIER_ID = "01";

    private final DataSource db;
    private final String barrierTable;

    private XaLocalTransaction(DataSource db, String barrierTable) {
        this.db = Objects.requireNonNull(db, "db");
        this.barrierTable = Objects.requireNonNull(barrierTable, "barrierTable");
    }

    /** Branches on the database of {@code db} (fresh, unpooled connections), barrier rows in the default table. */
    public static XaLocalTransaction of(DataSource db) {
        return new XaLocalTransaction(db, BranchBarrier.DEFAULT_TABLE);
    }

    /** The same, with the barrier rows in {@code table}. */
    public XaLocalTransaction withBarrierTable(String table) {
        return new XaLocalTransaction(db, table);
    }

    /**
     * Serves one gRPC call to an XA branch, like {@link #handle(Map, XaBusiness)} with the call's
     * {@code dtm-*} metadata as query ({@link GrpcBranch#params()}): the application's action
     * carries {@code dtm-dtm} (the server's gRPC target, through which the branch is registered) and
     * {@code dtm-phase2_url}; the server's commit and rollback carry the op. Needs {@link
     * GrpcBranch#interceptor()} on the gRPC server; answer with {@link
     * io.dtm4j.client.GrpcResults#exceptionFor} for what it throws.
     *
     * @throws IllegalStateException outside a call passed through {@link GrpcBranch#interceptor()}
     */
    public void handleGrpc(XaBusiness business) {
        handle(GrpcBranch.params(), business);
    }

    /** Shorthand for {@code XaLocalTransaction.of(db).handle(query, business)}. */
    public static void handle(Map<String, ?> query, DataSource db, XaBusiness business) {
        of(db).handle(query, business);
    }

    /**
     * Serves one request to an XA branch: runs {@code business} and prepares the branch for {@code
     * op=action}, or finishes it for {@code op=commit} / {@code op=rollback} ({@code business} is not
     * called then). Reads {@code gid}, {@code branch_id}, {@code trans_type} and {@code op}, and for
     * phase one {@code dtm} and {@code phase2_url}; values may be strings or lists or arrays of strings.
     *
     * @throws IllegalArgumentException when a parameter is missing or invalid (trans_type not {@code
     *     xa}, an unknown op, a quote or backslash in the xid)
     * @throws DtmFailureException when {@code business} throws it, when the server refuses the branch
     *     (the transaction is no longer prepared), or for a phase one that arrives after the branch's
     *     rollback; the branch's work is rolled back in each case
     * @throws DtmException for database and network errors (wrapping a checked exception of {@code
     *     business} too); a phase one that fails this way is rolled back, but if only the answer of
     *     the server to the registration was lost, the server still rolls the branch back or commits
     *     it as an unknown xid
     */
    public void handle(Map<String, ?> query, XaBusiness business) {
        BranchIdentity branch = BranchIdentity.fromQuery(query);
        if (!TransType.XA.wire().equals(branch.transType())) {
            throw new IllegalArgumentException(
                    "an XA branch needs trans_type 'xa', got '" + branch.transType() + "' for gid " + branch.gid());
        }
        String xid = checkXid(branch.gid() + "-" + branch.branchId());
        switch (branch.op()) {
            case Ops.ACTION ->
                runAndPrepare(
                        branch,
                        xid,
                        BranchIdentity.queryParam(query, "dtm"),
                        BranchIdentity.queryParam(query, "phase2_url"),
                        business);
            case Ops.COMMIT -> finish(xid, "commit of " + describe(branch), true, branch);
            case Ops.ROLLBACK -> finish(xid, "rollback of " + describe(branch), false, branch);
            default ->
                throw new IllegalArgumentException("an XA branch op is action, commit or rollback, got '" + branch.op()
                        + "' for " + describe(branch));
        }
    }

    private void runAndPrepare(
            BranchIdentity branch, String xid, String server, String phase2Url, XaBusiness business) {
        Objects.requireNonNull(business, "business");
        if (server.isEmpty() || phase2Url.isEmpty()) {
            throw new IllegalArgumentException(
                    "phase one of " + describe(branch) + " needs the query parameters 'dtm' and 'phase2_url'");
        }
        prepareUnless(xid, "phase one of " + describe(branch), c -> {
            Optional<String> earlier = barrier(branch).insertIfAbsent(c, Ops.ACTION, BARRIER_ID, Ops.ACTION);
            if (earlier.isPresent() && Ops.ROLLBACK.equals(earlier.get())) {
                throw new DtmFailureException(
                        describe(branch) + " was already rolled back; its late phase one does nothing");
            }
            if (earlier.isPresent()) {
                return false; // a repeated phase one: the first one did the work
            }
            business.run(c);
            registerBranch(server, branch, phase2Url);
            return true;
        });
    }

    /**
     * Runs {@code business} in a new local transaction {@code xid} and leaves it prepared, for
     * phase-one protocols of the application's own (such as a workflow's XA step): no barrier row,
     * no registration. Any error rolls the transaction back.
     *
     * @throws IllegalArgumentException when {@code xid} holds a quote or a backslash
     * @throws DtmException for database errors, wrapping a checked exception of {@code business} too
     */
    public void prepare(String xid, XaBusiness business) {
        Objects.requireNonNull(business, "business");
        prepareUnless(checkXid(xid), "xa " + xid, c -> {
            business.run(c);
            return true;
        });
    }

    /**
     * Commits the prepared transaction {@code xid}; an unknown xid counts as committed before.
     *
     * @throws DtmException for database errors
     */
    public void commit(String xid) {
        finish(checkXid(xid), "commit of xa " + xid, true, null);
    }

    /**
     * Rolls back the prepared transaction {@code xid}; an unknown xid counts as done before.
     *
     * @throws DtmException for database errors
     */
    public void rollback(String xid) {
        finish(checkXid(xid), "rollback of xa " + xid, false, null);
    }

    /** The work of a phase one: returns false to roll back quietly instead of preparing. */
    @FunctionalInterface
    private interface PhaseOne {
        boolean run(Connection xa) throws Exception;
    }

    /** Starts {@code xid}, runs {@code work}, and prepares the transaction unless it said no; rolls back on errors. */
    private void prepareUnless(String xid, String what, PhaseOne work) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true); // the transaction is delimited by the dialect's statements
            XaDialect dialect = XaDialect.of(c);
            execute(c, dialect.start(xid));
            boolean ended = false;
            try {
                if (!work.run(c)) {
                    abandon(c, dialect, xid, false);
                    return;
                }
                String end = dialect.end(xid);
                if (end != null) {
                    execute(c, end);
                }
                ended = true;
                execute(c, dialect.prepare(xid));
            } catch (Exception e) {
                try {
                    abandon(c, dialect, xid, ended);
                } catch (SQLException rollbackError) {
                    e.addSuppressed(rollbackError);
                }
                throw e;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new DtmException(what + ": " + e, e);
        }
    }

    /**
     * Commits or rolls back the prepared branch; an unknown xid means an earlier call did it. After
     * a rollback of {@code branch} (when given), writes its barrier row against a late phase one.
     */
    private void finish(String xid, String what, boolean commit, BranchIdentity branch) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            XaDialect dialect = XaDialect.of(c);
            try {
                execute(c, commit ? dialect.commit(xid) : dialect.rollback(xid));
            } catch (SQLException e) {
                if (!dialect.isUnknownXid(e)) {
                    throw e;
                }
            }
            if (!commit && branch != null) {
                barrier(branch).insertIfAbsent(c, Ops.ACTION, BARRIER_ID, Ops.ROLLBACK);
            }
        } catch (SQLException e) {
            throw new DtmException(what + ": " + e, e);
        }
    }

    private static String checkXid(String xid) {
        Objects.requireNonNull(xid, "xid");
        if (xid.isEmpty() || xid.contains("'") || xid.contains("\\")) {
            throw new IllegalArgumentException("xid '" + xid + "' must be non-empty, without a quote or a backslash");
        }
        return xid;
    }

    /** Rolls back a phase one that was started but not prepared. */
    private static void abandon(Connection c, XaDialect dialect, String xid, boolean ended) throws SQLException {
        String end = dialect.end(xid);
        if (end != null && !ended) {
            execute(c, end);
        }
        execute(c, dialect.abandon(xid));
    }

    private static void registerBranch(String server, BranchIdentity branch, String phase2Url) {
        Map<String, String> fields = Map.of(
                "gid", branch.gid(),
                "trans_type", branch.transType(),
                "branch_id", branch.branchId(),
                "url", phase2Url);
        DtmClient dtm = SERVERS.get(server);
        if (dtm == null && SERVERS.size() < MAX_SERVERS) {
            dtm = SERVERS.computeIfAbsent(server, XaLocalTransaction::client);
        }
        if (dtm != null) {
            dtm.registerBranch(fields);
            return;
        }
        try (DtmClient once = client(server)) {
            once.registerBranch(fields);
        }
    }

    /** The server as the application named it: an HTTP API URL, or else a gRPC target. */
    private static DtmClient client(String server) {
        boolean http = server.startsWith("http://") || server.startsWith("https://");
        return http ? DtmClient.of(server) : DtmClient.grpc(server);
    }

    private BranchBarrier barrier(BranchIdentity branch) {
        return BranchBarrier.of(branch).withTable(barrierTable);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String describe(BranchIdentity branch) {
        return "xa branch " + branch.gid() + "/" + branch.branchId();
    }
}
