package io.dtm4j.faults.store;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

class PrivateMariaDbTest extends PrivateStoreContract<PrivateMariaDb> {
    @Override
    void assumeInstalled() {
        assumeTrue(Files.isExecutable(PrivateMariaDb.SERVER), PrivateMariaDb.SERVER + " is not installed");
        assumeTrue(onPath(PrivateMariaDb.INSTALL_DB), PrivateMariaDb.INSTALL_DB + " is not on the PATH");
    }

    @Override
    PrivateMariaDb newStore() {
        return new PrivateMariaDb();
    }

    @Override
    void write(String key, String value) throws Exception {
        store.createDatabase("faults");
        try (Connection c = store.connect("faults")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS kv (k VARCHAR(64) PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB");
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
        try (Connection c = store.connect("faults");
                PreparedStatement p = c.prepareStatement("SELECT v FROM kv WHERE k = ?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    @Override
    List<Long> processes() {
        return List.of(store.process().pid());
    }
}
