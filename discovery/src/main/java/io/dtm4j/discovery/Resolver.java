package io.dtm4j.discovery;

import java.net.URI;
import java.util.List;
import java.util.Set;

/**
 * Turns a dial target of some URL scheme into the live endpoints ({@code host:port}) behind it, and
 * follows their changes. dtm4j has {@link DirectResolver} ({@code direct:///h1:p1,h2:p2}) and {@link
 * EtcdResolver} ({@code etcd://} and {@code discov://}, go-zero's layout); plain {@code host:port} and
 * {@code dns:///name:port} targets need none, grpc-java resolves them itself.
 */
public interface Resolver {

    /** go-zero's resolvers, as dtm4j has them: {@code etcd://}, {@code discov://} and {@code direct:///}. */
    static List<Resolver> goZero() {
        return List.of(new EtcdResolver(), new DirectResolver());
    }

    /** The URL schemes this resolver serves. */
    Set<String> schemes();

    /**
     * Checks {@code target} without contacting anything, so that a malformed one is refused when a
     * channel is created rather than when it is first used.
     *
     * @throws IllegalArgumentException saying what is wrong and which form is expected
     */
    void check(URI target);

    /**
     * Starts following {@code target}. {@code listener} is called from a thread of the resolver with
     * the complete, sorted endpoint list each time it changes (possibly empty), or with an error while
     * the registry cannot be read; calls for one subscription do not overlap.
     *
     * @throws IllegalArgumentException when the target is malformed
     */
    Subscription follow(URI target, Listener listener);

    /** Receives the endpoints of a followed target. */
    interface Listener {
        /** The target's endpoints ({@code host:port}) now: the complete list, sorted, possibly empty. */
        void endpoints(List<String> endpoints);

        /** The registry cannot be read; {@code problem} says why. The endpoints last reported stay valid. */
        void error(String problem);
    }

    /** A followed target; {@link #close} stops following it. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
