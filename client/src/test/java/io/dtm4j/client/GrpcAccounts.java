package io.dtm4j.client;

import com.google.protobuf.Int64Value;
import io.dtm4j.client.barrier.BarrierSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.sqlite.SQLiteDataSource;

/**
 * The business data of the SDK's gRPC tests: a SQLite file with the barrier table and a balance
 * table holding, per gid, an account {@code out-<gid>} (100) and {@code in-<gid>} (0).
 */
public final class GrpcAccounts implements AutoCloseable {
    /** The SQLite database, with the barrier table. */
    public final SQLiteDataSource db = new SQLiteDataSource();

    private final Path file;

    /** Creates the database in a temporary file. */
    public GrpcAccounts() throws Exception {
        file = Files.createTempFile("dtm4j-grpc", ".db");
        db.setUrl("jdbc:sqlite:" + file);
        BarrierSchema.create(db);
        execute("CREATE TABLE balance (account varchar(128) PRIMARY KEY, amount bigint NOT NULL)");
    }

    /** The protobuf payload of a transfer. */
    public static Int64Value amount(long amount) {
        return Int64Value.of(amount);
    }

    /** Creates the two accounts of {@code gid}. */
    public void open(String gid) throws SQLException {
        execute("INSERT INTO balance VALUES ('out-" + gid + "', 100), ('in-" + gid + "', 0)");
    }

    /** Returns the balances of {@code out-<gid>} and {@code in-<gid>}. */
    public List<Long> balances(String gid) throws SQLException {
        return List.of(balance("out-" + gid), balance("in-" + gid));
    }

    /** Adds {@code amount} to an account; FAILURE when it would go negative. */
    public static void add(Connection tx, String account, long amount) throws SQLException {
        try (PreparedStatement ps =
                tx.prepareStatement("UPDATE balance SET amount = amount + ? WHERE account = ? AND amount + ? >= 0")) {
            ps.setLong(1, amount);
            ps.setString(2, account);
            ps.setLong(3, amount);
            if (ps.executeUpdate() == 0) {
                throw new DtmFailureException("Insufficient balance on " + account);
            }
        }
    }

    /** Returns the balance of {@code account}, -1 when it does not exist. */
    public long balance(String account) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT amount FROM balance WHERE account = ?")) {
            ps.setString(1, account);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws Exception {
        Files.deleteIfExists(file);
    }
}
