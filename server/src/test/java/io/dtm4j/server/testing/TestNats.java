package io.dtm4j.server.testing;

import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;

/**
 * The NATS with JetStream that tests publish to: the machine's on 127.0.0.1:4222 when it answers with
 * JetStream enabled, otherwise a private {@code nats-server -js} started once for this JVM (and stopped
 * with it). The machine's server is never reconfigured.
 */
public final class TestNats {
    /** The machine's NATS: 127.0.0.1:4222, or the system property {@code dtm4j.test.nats}. */
    public static final String MACHINE = System.getProperty("dtm4j.test.nats", "127.0.0.1:4222");

    private static String address;
    private static String unavailable;

    private TestNats() {}

    /**
     * Returns {@code host:port} of a NATS server with JetStream.
     *
     * @throws org.opentest4j.TestAbortedException (the test is skipped) with the reason when there is none
     */
    public static synchronized String address() {
        String found = addressOrNull();
        if (found == null) {
            System.err.println("skipped: " + unavailable);
            org.junit.jupiter.api.Assumptions.abort(unavailable);
        }
        return found;
    }

    /** As {@link #address}, but null (the reason printed) when there is none. */
    public static synchronized String addressOrNull() {
        if (address == null && unavailable == null) {
            String machine = jetStreamAt(MACHINE);
            if (machine == null) {
                address = MACHINE;
            } else if (PrivateNats.available()) {
                System.err.println("NATS on " + MACHINE + ": " + machine + "; the tests use a private nats-server -js");
                PrivateNats nats = new PrivateNats();
                Runtime.getRuntime().addShutdownHook(new Thread(nats::close));
                address = "127.0.0.1:" + nats.port();
            } else {
                unavailable = "no NATS with JetStream (" + MACHINE + ": " + machine + ") and no " + PrivateNats.BINARY;
            }
        }
        return address;
    }

    /** Returns null when the server at {@code hostPort} answers with JetStream enabled, else why not. */
    private static String jetStreamAt(String hostPort) {
        try (var c = Nats.connect(new Options.Builder()
                .server("nats://" + hostPort)
                .connectionTimeout(Duration.ofSeconds(2))
                .maxReconnects(0)
                .build())) {
            c.jetStreamManagement().getAccountStatistics();
            return null;
        } catch (Exception e) {
            return e.toString();
        }
    }
}
