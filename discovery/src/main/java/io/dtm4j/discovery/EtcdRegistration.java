package io.dtm4j.discovery;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes an endpoint in etcd the way go-zero services do, so go-zero clients find it: a lease of
 * {@link #TTL_SECONDS}, the key {@code <service key>/<lease id in decimal>} attached to it with the
 * endpoint ({@code host:port}) as value, the lease renewed every third of its TTL. If the lease is
 * lost (etcd was unreachable for longer than the TTL), a new lease and key replace it. {@link
 * #close} revokes the lease, which deletes the key; after a crash the key expires with the lease.
 */
public final class EtcdRegistration implements Registration {
    private static final Logger log = LoggerFactory.getLogger(EtcdRegistration.class);
    /** go-zero's lease TTL. */
    public static final long TTL_SECONDS = 10;

    private final EtcdTarget target;
    private final String endpoint;
    private final EtcdClient etcd;
    private final ScheduledExecutorService renewer;
    private long lease;
    private String key;
    private boolean closed;

    private EtcdRegistration(EtcdTarget target, String endpoint) {
        this.target = target;
        this.endpoint = endpoint;
        this.etcd = new EtcdClient(target, Duration.ofSeconds(3));
        this.renewer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("dtm4j-etcd-lease").daemon().factory());
    }

    /**
     * Registers {@code endpoint} under {@code target}'s key and keeps it alive.
     *
     * @throws EtcdException when etcd cannot be reached or refuses the registration
     */
    public static EtcdRegistration start(EtcdTarget target, String endpoint) {
        var registration = new EtcdRegistration(target, endpoint);
        try {
            registration.publish();
        } catch (RuntimeException e) {
            registration.renewer.shutdownNow();
            registration.etcd.close();
            throw e;
        }
        long period = TTL_SECONDS * 1000 / 3;
        registration.renewer.scheduleWithFixedDelay(registration::renew, period, period, TimeUnit.MILLISECONDS);
        return registration;
    }

    /** The key this instance is registered under now, e.g. {@code dtmservice/7587…}. */
    public synchronized String key() {
        return key;
    }

    private synchronized void publish() {
        long id = etcd.grant(TTL_SECONDS);
        String k = target.key() + "/" + id;
        try {
            etcd.put(k, endpoint, id);
        } catch (RuntimeException e) {
            revokeQuietly(id);
            throw e;
        }
        lease = id;
        key = k;
        log.info("registered {} in etcd as {} = {}", endpoint, k, endpoint);
    }

    private synchronized void renew() {
        if (closed) {
            return;
        }
        try {
            if (etcd.keepAlive(lease) <= 0) {
                log.warn("etcd lease of {} was lost; registering again", key);
                publish();
            }
        } catch (RuntimeException e) {
            // etcd unreachable: keep trying; past the TTL the key is gone and is published anew
            log.warn("cannot renew the etcd registration {}: {}", key, e.getMessage());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        renewer.shutdownNow();
        synchronized (this) {
            revokeQuietly(lease);
            log.info("withdrew {} from etcd", key);
        }
        etcd.close();
    }

    private void revokeQuietly(long id) {
        try {
            etcd.revoke(id);
        } catch (RuntimeException e) {
            log.warn("cannot revoke etcd lease {} (its keys expire within {} s): {}", id, TTL_SECONDS, e.getMessage());
        }
    }
}
