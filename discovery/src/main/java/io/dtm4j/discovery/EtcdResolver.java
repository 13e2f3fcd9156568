package io.dtm4j.discovery;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the instances of a go-zero service registered in etcd ({@code etcd://host:port/service}):
 * lists the keys under {@code service/}, whose values are the endpoints, then watches that prefix from
 * the listed revision on, so a change is seen within milliseconds, without polling. When the watch
 * ends or etcd cannot be reached, it lists again after a pause (1 s, doubling up to 10 s) and watches
 * anew; the endpoints last seen stay in use meanwhile.
 */
public final class EtcdResolver implements Resolver {
    private static final Logger log = LoggerFactory.getLogger(EtcdResolver.class);
    private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
    private static final Duration LAST_PAUSE = Duration.ofSeconds(10);

    @Override
    public Set<String> schemes() {
        return Set.copyOf(EtcdTarget.SCHEMES);
    }

    @Override
    public void check(URI target) {
        EtcdTarget.of(target);
    }

    @Override
    public Subscription follow(URI target, Listener listener) {
        EtcdTarget etcdTarget = EtcdTarget.of(target);
        var follower = new Follower(etcdTarget, listener);
        Thread thread =
                Thread.ofVirtual().name("dtm4j-etcd-watch-" + etcdTarget.key()).start(follower::run);
        return () -> follower.stop(thread);
    }

    /** One followed service: its etcd client, the instances seen, the loop listing and watching them. */
    private static final class Follower {
        private final EtcdTarget target;
        private final Listener listener;
        private final EtcdClient etcd;
        private final Map<String, String> instances = new HashMap<>();
        private final EtcdClient.WatchHandle watch = new EtcdClient.WatchHandle();
        private volatile boolean stopped;
        private List<String> published;

        Follower(EtcdTarget target, Listener listener) {
            this.target = target;
            this.listener = listener;
            this.etcd = new EtcdClient(target, Duration.ofSeconds(3));
        }

        void run() {
            Duration pause = FIRST_PAUSE;
            try {
                while (!stopped) {
                    try {
                        EtcdClient.Listing listing = etcd.list(target.instancePrefix());
                        instances.clear();
                        instances.putAll(listing.values());
                        publish();
                        pause = FIRST_PAUSE;
                        etcd.watch(target.instancePrefix(), listing.revision() + 1, this::apply, watch);
                    } catch (EtcdException e) {
                        if (stopped) {
                            return;
                        }
                        log.warn("cannot follow {}: {}", target, e.getMessage());
                        listener.error("cannot read " + target + " from etcd: " + e.getMessage());
                    }
                    Thread.sleep(pause);
                    pause = pause.multipliedBy(2).compareTo(LAST_PAUSE) > 0 ? LAST_PAUSE : pause.multipliedBy(2);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stopped
            } finally {
                etcd.close();
            }
        }

        private void apply(EtcdClient.Change change) {
            if (change.valueOrNull() == null) {
                instances.remove(change.key());
            } else {
                instances.put(change.key(), change.valueOrNull());
            }
            publish();
        }

        /** Tells the listener the distinct endpoints, when they differ from those it has. */
        private void publish() {
            List<String> endpoints = instances.values().stream()
                    .map(String::trim)
                    .filter(e -> !e.isEmpty())
                    .distinct()
                    .sorted()
                    .toList();
            if (!stopped && !Objects.equals(endpoints, published)) {
                published = endpoints;
                log.debug("{} has endpoints {}", target, endpoints);
                listener.endpoints(endpoints);
            }
        }

        void stop(Thread thread) {
            stopped = true;
            watch.stop();
            thread.interrupt();
        }
    }
}
