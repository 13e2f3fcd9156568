package io.dtm4j.client.xa;

import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;

/**
 * The XA business databases of one test class, one per driver ({@code mysql}, {@code postgres}):
 * created on first use, closed together. A database that cannot run XA skips the test asking for it.
 */
public final class XaTestDatabases implements AutoCloseable {
    private final String xidPrefix;
    private final Consumer<XaTestDatabase> onCreate;
    private final Map<String, XaTestDatabase> byDriver = new ConcurrentHashMap<>();

    /**
     * @param xidPrefix the start of the class's gids; classes running at the same time need prefixes
     *     that do not start one another, because prepared transactions are server-wide
     * @param onCreate runs once per new database, e.g. to route the class's endpoints to it
     */
    public XaTestDatabases(String xidPrefix, Consumer<XaTestDatabase> onCreate) {
        this.xidPrefix = xidPrefix;
        this.onCreate = onCreate;
    }

    /** The database of {@code driver}, both balances set to {@code balance}, or a skip with the reason. */
    public synchronized XaTestDatabase get(String driver, long balance) throws SQLException {
        Optional<String> reason = XaTestDatabase.unavailable(driver);
        reason.ifPresent(r -> System.out.println("SKIPPED: " + r));
        Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
        XaTestDatabase db = byDriver.get(driver);
        if (db == null) {
            db = XaTestDatabase.create(driver, xidPrefix);
            byDriver.put(driver, db);
            onCreate.accept(db);
        }
        db.setBalances(balance);
        return db;
    }

    @Override
    public void close() throws SQLException {
        for (XaTestDatabase db : byDriver.values()) {
            db.close();
        }
    }
}
