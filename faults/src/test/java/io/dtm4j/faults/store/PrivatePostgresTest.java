package io.dtm4j.faults.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

class PrivatePostgresTest extends PrivateStoreContract<PrivatePostgres> {
    @Override
    void assumeInstalled() {
        assumeTrue(PrivatePostgres.binDir().isPresent(), "no PostgreSQL under " + PrivatePostgres.DEBIAN_ROOT);
    }

    @Override
    PrivatePostgres newStore() {
        return new PrivatePostgres();
    }

    @Override
    void write(String key, String value) throws Exception {
        try (Connection c = store.connect("postgres")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT)");
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO kv VALUES (?, ?)")) {
                p.setString(1, key);
                p.setString(2, value);
                p.executeUpdate(); // autocommit: committed on return
            }
        }
    }

    @Override
    String read(String key) throws Exception {
        try (Connection c = store.connect("postgres");
                PreparedStatement p = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /** A connection left open, so that its backend is among the processes that must go. */
    private Connection held;

    @Override
    List<Long> processes() throws SQLException {
        held = store.connect("postgres");
        return LocalProcesses.withDescendants(store.pid());
    }

    @AfterEach
    void closeHeld() throws SQLException {
        if (held != null) {
            held.close();
        }
    }
}
