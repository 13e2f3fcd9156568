package io.dtm4j.server.engine;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers unfinished transactions (docs/protocol.md §9): claims the due ones in batches with a
 * fresh claim token and a lease of RetryInterval, and processes them in parallel, at most
 * CronWorkers at a time, so that one slow transaction never holds up the others. When nothing is
 * due it pauses for TransCronInterval (minus up to one second of jitter, so nodes do not poll in
 * step).
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final Store store;
    private final Engine engine;
    private final Clock clock;
    private final ServerConfig config;
    private final ExecutorService workers;
    private final Semaphore permits;
    private volatile boolean running;
    private Thread loop;

    public Scheduler(Store store, Engine engine, Clock clock, ServerConfig config, ExecutorService workers) {
        this.store = store;
        this.engine = engine;
        this.clock = clock;
        this.config = config;
        this.workers = workers;
        this.permits = new Semaphore(config.cronWorkers());
    }

    /** Starts the background loop. */
    public synchronized void start() {
        running = true;
        loop = Thread.ofPlatform().name("dtm4j-scheduler").daemon().start(this::loop);
    }

    /**
     * Claims the transactions due within {@code horizon} from now (at most CronWorkers), processes
     * them in parallel and returns how many it processed, once all are done. Tests call this to
     * run the scheduler once instead of waiting for the loop.
     */
    public int runOnce(Duration horizon) {
        List<GlobalTrans> claimed = claim(horizon, config.cronWorkers());
        List<Future<?>> done = new ArrayList<>();
        for (GlobalTrans g : claimed) {
            done.add(workers.submit(() -> engine.processClaimed(g)));
        }
        for (Future<?> f : done) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                log.error("scheduler round failed", e.getCause());
            }
        }
        return claimed.size();
    }

    private void loop() {
        while (running) {
            try {
                permits.acquire();
                int free = 1 + permits.drainPermits();
                List<GlobalTrans> claimed;
                try {
                    claimed = claim(Duration.ZERO, free);
                } catch (RuntimeException e) {
                    permits.release(free);
                    throw e;
                }
                permits.release(free - claimed.size());
                for (GlobalTrans g : claimed) {
                    workers.execute(() -> {
                        try {
                            engine.processClaimed(g);
                        } finally {
                            permits.release();
                        }
                    });
                }
                if (claimed.isEmpty()) {
                    long pause = config.transCronInterval() * 1000
                            - ThreadLocalRandom.current().nextLong(1000);
                    Thread.sleep(Math.max(200, pause));
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("scheduler cannot claim transactions, retrying", e);
                sleepQuietly(config.transCronInterval() * 1000);
            }
        }
    }

    /**
     * Claims due transactions that this node is not processing: a round in progress here keeps its
     * claim and lease (taking them would fence it out and hold the transaction for a lease). Every
     * claimed one is reserved in the engine until {@link Engine#processClaimed} releases it.
     */
    private List<GlobalTrans> claim(Duration horizon, int limit) {
        Instant now = clock.instant();
        // a store may offer a candidate again when it retries its write: the answer must not change
        Map<String, Boolean> reserved = new ConcurrentHashMap<>();
        List<GlobalTrans> claimed = List.of();
        try {
            claimed = store.claimDue(
                    now.plus(horizon),
                    now.plusSeconds(config.retryInterval()),
                    Gids.newGid(),
                    limit,
                    now,
                    gid -> reserved.computeIfAbsent(gid, engine::reserve));
            return claimed;
        } finally {
            Set<String> kept = claimed.stream().map(GlobalTrans::gid).collect(Collectors.toSet());
            reserved.forEach((gid, mine) -> {
                if (mine && !kept.contains(gid)) {
                    engine.release(gid);
                }
            });
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        if (loop != null) {
            loop.interrupt();
        }
    }
}
