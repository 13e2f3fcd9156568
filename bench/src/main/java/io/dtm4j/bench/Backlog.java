package io.dtm4j.bench;

import io.dtm4j.protocol.TransStatus;
import io.dtm4j.protocol.TransType;
import io.dtm4j.server.Dtm4jServer;
import io.dtm4j.server.config.ConfigLoader;
import io.dtm4j.server.store.BranchOp;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a backlog of due sagas into a store, as a crash would leave them: {@code submitted}, two
 * steps with empty URLs, every branch row {@code prepared}, next_cron_time in the past and no owner.
 * A server started on the store then has to recover them all (bench/backlog.sh measures how fast).
 * It writes through the server's own store code, so the rows are the ones dtm and dtm4j both read.
 *
 * <pre>
 * java -cp server/target/dtm4j-server.jar:bench/target/dtm4j-bench.jar io.dtm4j.bench.Backlog \
 *      CONFIG.yml COUNT
 * </pre>
 */
public final class Backlog {
    private static final int WRITERS = 32;

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Backlog CONFIG.yml COUNT");
            System.exit(2);
        }
        int count = Integer.parseInt(args[1]);
        String run = Long.toString(System.currentTimeMillis(), 36);
        Instant due = Instant.now().minusSeconds(5);
        long start = System.nanoTime();
        try (Store store = Dtm4jServer.openStore(ConfigLoader.load(Path.of(args[0]), System.getenv()));
                ExecutorService writers = Executors.newFixedThreadPool(WRITERS)) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int first = w;
                done.add(writers.submit(() -> {
                    for (int i = first; i < count; i += WRITERS) {
                        String gid = "backlog-" + run + "-" + i;
                        if (!store.saveNew(saga(gid, due), branches(gid, due))) {
                            throw new IllegalStateException("gid exists: " + gid);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("wrote %d due sagas in %.1f s%n", count, seconds);
    }

    private static GlobalTrans saga(String gid, Instant due) {
        return new GlobalTrans(
                0,
                gid,
                TransType.SAGA,
                TransStatus.SUBMITTED,
                "",
                "http",
                due,
                due,
                null,
                null,
                "",
                "",
                10,
                due,
                "",
                "",
                "",
                "");
    }

    private static List<BranchOp> branches(String gid, Instant due) {
        List<BranchOp> rows = new ArrayList<>();
        for (String branch : List.of("01", "02")) {
            rows.add(BranchOp.create(gid, branch, "compensate", "", null, due));
            rows.add(BranchOp.create(gid, branch, "action", "", null, due));
        }
        return rows;
    }
}
