package io.dtm4j.server.testing;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The Redis of the tests: address from env {@code DTM4J_TEST_REDIS} (default 127.0.0.1:6379).
 * Tests that need it skip, with the reason printed, when it does not answer. Each user takes its
 * own key prefix (a hash tag) and deletes its keys afterwards.
 */
public final class RedisTestSupport {
    private static volatile Boolean reachable;

    private RedisTestSupport() {}

    public static String address() {
        String a = System.getenv("DTM4J_TEST_REDIS");
        return a == null || a.isBlank() ? "127.0.0.1:6379" : a.trim();
    }

    public static String host() {
        String a = address();
        return a.substring(0, a.lastIndexOf(':'));
    }

    public static int port() {
        String a = address();
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    /** Skips the calling test when Redis does not answer. */
    public static void assumeReachable() {
        if (reachable == null) {
            boolean ok;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host(), port()), 1000);
                ok = true;
            } catch (Exception e) {
                ok = false;
                System.out.println("[redis tests] skipped: no Redis at " + address() + " (" + e.getMessage()
                        + "); set DTM4J_TEST_REDIS=host:port");
            }
            reachable = ok;
        }
        Assumptions.assumeTrue(reachable, "no Redis at " + address() + " (set DTM4J_TEST_REDIS=host:port)");
    }

    /** A fresh prefix with a hash tag, e.g. {@code {t1b2c3d4e5}}. */
    public static String freshPrefix() {
        return "{t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "}";
    }

    /** A client of the test Redis, for reading and writing keys directly; shut it down. */
    public static RedisClient client() {
        return RedisClient.create(RedisURI.create(host(), port()));
    }

    /** Deletes every key that starts with {@code prefix}. */
    public static void deleteKeys(String prefix) {
        RedisClient client = client();
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> r = c.sync();
            ScanArgs args = ScanArgs.Builder.matches(prefix.replaceAll("([\\\\*?\\[\\]])", "\\\\$1") + "*")
                    .limit(1000);
            KeyScanCursor<String> cursor = r.scan(args);
            while (true) {
                if (!cursor.getKeys().isEmpty()) {
                    r.del(cursor.getKeys().toArray(String[]::new));
                }
                if (cursor.isFinished()) {
                    break;
                }
                cursor = r.scan(ScanCursor.of(cursor.getCursor()), args);
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
