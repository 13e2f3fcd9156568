package io.dtm4j.faults.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the fault suite relies on from a private store: what it acknowledged survives a crash
 * ({@link StoreInstance#stop}) and {@link StoreInstance#restart}, again and again, while it is
 * down nobody can use it, and {@link StoreInstance#close} leaves no process and no directory behind.
 */
abstract class PrivateStoreContract<S extends StoreInstance> {
    /** Crash-restart cycles per test; the fault suite's runs go through many more (-Dfaults.store.cycles=10). */
    private static final int CYCLES = Integer.getInteger("faults.store.cycles", 3);

    S store;
    Path dir;

    /** Skips the test, with the reason, when the store's binaries are not installed. */
    abstract void assumeInstalled();

    abstract S newStore();

    /** Writes {@code key = value} and returns once the store has acknowledged (committed) it. */
    abstract void write(String key, String value) throws Exception;

    /** Returns the value of {@code key}, null if absent; fails when the store cannot be reached. */
    abstract String read(String key) throws Exception;

    /** Returns the pids of the store's processes now. */
    abstract List<Long> processes() throws Exception;

    @BeforeEach
    void start() throws Exception {
        assumeInstalled();
        // a directory of its own under /tmp: PostgreSQL's user must be able to reach it
        dir = Files.createTempDirectory("dtm4j-faults-" + getClass().getSimpleName() + "-");
        store = newStore();
        long began = System.nanoTime();
        store.start(dir);
        report("start", began);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void acknowledgedWritesSurviveEveryCrash() throws Exception {
        for (int cycle = 1; cycle <= CYCLES; cycle++) {
            write("key" + cycle, "value" + cycle);

            long began = System.nanoTime();
            store.stop();
            report("stop", began);
            assertThatThrownBy(() -> read("key1")).as("a read while stopped").isInstanceOf(Exception.class);

            began = System.nanoTime();
            store.restart();
            report("restart", began);
            for (int i = 1; i <= cycle; i++) {
                assertThat(read("key" + i)).as("key%d after crash %d", i, cycle).isEqualTo("value" + i);
            }
        }

        // and a close() after a stop(), as when a run ends during an outage, leaves nothing either
        List<Long> pids = processes();
        store.stop();
        assertThat(pids).allMatch(LocalProcesses::isGone);
        store.close();
        assertThat(dir).doesNotExist();
    }

    @Test
    void aServerRunsOnItAndOutlivesItsCrash() throws Exception {
        ServerOnStore.preparedMessageOutlivesStoreCrash(store, dir);
    }

    @Test
    void closeLeavesNoProcessAndNoDirectory() throws Exception {
        write("key", "value");
        List<Long> pids = processes();
        assertThat(pids).isNotEmpty().allMatch(pid -> !LocalProcesses.isGone(pid));

        store.close();

        assertThat(pids).allMatch(LocalProcesses::isGone);
        assertThat(dir).doesNotExist();
    }

    static boolean onPath(String binary) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, binary)));
    }

    private void report(String what, long began) {
        System.out.printf("%s: %s took %d ms%n", store.name(), what, (System.nanoTime() - began) / 1_000_000);
    }
}
