package io.dtm4j.server.store;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes finished transactions older than {@code Store.FinishedRetention}, in small batches so
 * that the store never holds a long write; run periodically. Unfinished transactions are never
 * touched.
 */
public final class Retention implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    static final int BATCH = 200;

    private final Store store;
    private final Clock clock;
    private final Duration age;

    public Retention(Store store, Clock clock, Duration age) {
        this.store = store;
        this.clock = clock;
        this.age = age;
    }

    /** Deletes every finished transaction past the retention age; returns how many. */
    public int runOnce() {
        int total = 0;
        int deleted;
        do {
            deleted = store.deleteFinished(clock.instant().minus(age), BATCH);
            total += deleted;
        } while (deleted == BATCH);
        return total;
    }

    @Override
    public void run() {
        try {
            int deleted = runOnce();
            if (deleted > 0) {
                log.info("deleted {} finished transactions older than {}", deleted, age);
            }
        } catch (RuntimeException e) {
            log.warn("retention run failed: {}", e.getMessage());
        }
    }
}
