package io.dtm4j.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The command line of the suite.
 *
 * @param stores the stores to run on, one after another
 * @param nodes server nodes on a shared store (the embedded store always runs one)
 * @param duration seconds of workload under faults, per store
 * @param quick the short run of CI: shorter outages and faster settling
 * @param seed seeds the workload's and the nemesis's choices
 * @param clients concurrent workload clients
 * @param accounts accounts per bank
 * @param serverJar the dtm4j server jar under test
 * @param unsafeBarrier bank A runs without the barrier: the checker must then report violations
 */
record Options(
        List<String> stores,
        int nodes,
        long duration,
        boolean quick,
        long seed,
        int clients,
        int accounts,
        Path serverJar,
        boolean unsafeBarrier) {
    static final String USAGE = "usage: java -jar dtm4j-faults.jar [--store embedded|postgres|mysql|redis[,...]]"
            + " [--nodes N] [--duration SECONDS] [--quick] [--seed N] [--clients N] [--accounts N]"
            + " [--server-jar PATH] [--unsafe-barrier]";
    private static final Set<String> STORES = Set.of("embedded", "postgres", "mysql", "redis");

    static Options parse(String[] args) {
        List<String> stores = null;
        Integer nodes = null;
        Long duration = null;
        boolean quick = false;
        long seed = System.nanoTime();
        int clients = 16;
        int accounts = 200;
        Path serverJar = null;
        boolean unsafe = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--quick" -> quick = true;
                case "--unsafe-barrier" -> unsafe = true;
                case "--store" -> stores = List.of(value(args, ++i, arg).split(","));
                case "--nodes" -> nodes = (int) number(args, ++i, arg, 1, 3);
                case "--duration" -> duration = number(args, ++i, arg, 5, 86_400);
                case "--seed" -> seed = number(args, ++i, arg, Long.MIN_VALUE, Long.MAX_VALUE);
                case "--clients" -> clients = (int) number(args, ++i, arg, 1, 64);
                case "--accounts" -> accounts = (int) number(args, ++i, arg, 2, 100_000);
                case "--server-jar" -> serverJar = Path.of(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        if (stores == null) {
            // CI's quick run: the embedded store and one shared store with several nodes
            stores = quick ? List.of("embedded", "redis") : List.of("embedded");
        }
        for (String store : stores) {
            if (!STORES.contains(store)) {
                throw new IllegalArgumentException(
                        "--store must be embedded, postgres, mysql or redis, not '" + store + "'");
            }
        }
        return new Options(
                List.copyOf(stores),
                nodes == null ? 2 : nodes,
                duration == null ? (quick ? 40 : 600) : duration,
                quick,
                seed,
                clients,
                accounts,
                serverJar == null ? defaultServerJar() : serverJar,
                unsafe);
    }

    /** Server nodes for {@code store}: the embedded store belongs to its one server. */
    int nodesFor(String store) {
        return store.equals("embedded") ? 1 : nodes;
    }

    /** The longest store outage: 30 s in a full run, a few seconds in a quick one. */
    long maxOutageSeconds() {
        return quick ? 6 : 30;
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private static long number(String[] args, int i, String name, long min, long max) {
        String text = value(args, i, name);
        try {
            long n = Long.parseLong(text);
            if (n < min || n > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, not '" + text + "'");
        }
    }

    /** {@code server/target/dtm4j-server.jar} of the checkout this jar was built in, else of the working directory. */
    private static Path defaultServerJar() {
        List<Path> candidates = new ArrayList<>();
        try {
            Path self = Path.of(Options.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            // faults/target/dtm4j-faults.jar or faults/target/classes
            candidates.add(self.getParent().getParent().getParent().resolve("server/target/dtm4j-server.jar"));
        } catch (Exception e) {
            // not from a file: only the working directory is left
        }
        candidates.add(Path.of("server/target/dtm4j-server.jar"));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalArgumentException(
                "no server jar at " + candidates + ": build it (./mvnw -q -DskipTests package) or pass --server-jar");
    }
}
