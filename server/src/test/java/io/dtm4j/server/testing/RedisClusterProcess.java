package io.dtm4j.server.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A Redis Cluster of the tests: three masters and three replicas, {@code redis-server} child
 * processes ({@code --cluster-enabled yes}) on free loopback ports in a temporary directory, joined
 * with {@code redis-cli --cluster create}. One cluster per test JVM, started by the first {@link
 * #shared()} and killed (and its directory deleted) when the JVM exits, whatever the outcome of the
 * tests. Without {@code redis-server} or {@code redis-cli} on the PATH, or when the cluster does not
 * form, the calling test is skipped and the reason printed.
 *
 * <p>No persistence (no AOF, no RDB): the tests need the cluster's routing, not its durability.
 * Each user takes its own key prefix ({@link RedisTestSupport#freshPrefix()}) and deletes its keys.
 */
public final class RedisClusterProcess implements AutoCloseable {
    private static final int NODES = 6;
    private static final int REPLICAS_PER_MASTER = 1;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

    private static RedisClusterProcess shared;
    private static String unavailable;

    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final RedisClient client = RedisClient.create();
    private boolean stopped;

    private RedisClusterProcess(Path dir) {
        this.dir = dir;
    }

    /** Returns the cluster of this JVM, starting it on first use; skips the calling test when it cannot run. */
    public static synchronized RedisClusterProcess shared() {
        if (shared == null && unavailable == null) {
            unavailable = missingBinary();
            if (unavailable == null) {
                try {
                    shared = start();
                } catch (Exception e) {
                    unavailable = "cannot start a Redis Cluster: " + e.getMessage();
                }
            }
            if (unavailable != null) {
                System.out.println("[redis cluster tests] skipped: " + unavailable);
            }
        }
        Assumptions.assumeTrue(shared != null, () -> "no Redis Cluster: " + unavailable);
        return shared;
    }

    private static String missingBinary() {
        return Stream.of("redis-server", "redis-cli")
                .filter(b -> !onPath(b))
                .findFirst()
                .map(b -> b + " is not on the PATH (Debian package redis-server)")
                .orElse(null);
    }

    /**
     * Starts a cluster for the caller alone (to kill nodes of), which it closes; skips the calling
     * test when it cannot run.
     */
    public static RedisClusterProcess startPrivate() {
        String missing = missingBinary();
        if (missing != null) {
            System.out.println("[redis cluster tests] skipped: " + missing);
        }
        Assumptions.assumeTrue(missing == null, () -> "no Redis Cluster: " + missing);
        try {
            return start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot start a second Redis Cluster: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills (SIGKILL) the node on {@code port}, as a crash of its host would. */
    public void kill(int port) throws InterruptedException {
        Process p = processes.get(ports.indexOf(port));
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
    }

    /** Stops every node and deletes the directory. */
    @Override
    public void close() {
        stop();
    }

    private static RedisClusterProcess start() throws IOException, InterruptedException {
        RedisClusterProcess c = new RedisClusterProcess(Files.createTempDirectory("dtm4j-redis-cluster"));
        Runtime.getRuntime().addShutdownHook(new Thread(c::stop, "redis-cluster-stop"));
        try {
            c.launch();
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.stop();
            throw e;
        }
    }

    private void launch() throws IOException, InterruptedException {
        for (int i = 0; i < NODES; i++) {
            int port = freeClusterPort();
            ports.add(port);
            processes.add(startNode(port));
        }
        for (int port : ports) {
            awaitTrue("redis-server on port " + port, () -> "PONG".equals(command(port, RedisCommands::ping)));
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", Integer.toString(REPLICAS_PER_MASTER), "--cluster-yes"));
        Path createLog = dir.resolve("cluster-create.log");
        Process p = new ProcessBuilder(create)
                .redirectErrorStream(true)
                .redirectOutput(createLog.toFile())
                .start();
        if (!p.waitFor(FORM_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("redis-cli --cluster create failed: " + Files.readString(createLog));
        }
        // every node must agree that all slots are served and every replica must be in sync
        for (int port : ports) {
            awaitTrue(
                    "cluster_state:ok on port " + port,
                    () -> command(port, r -> r.clusterInfo()).contains("cluster_state:ok"));
        }
        for (int port : ports) {
            awaitTrue("replication of port " + port, () -> {
                String info = command(port, r -> r.info("replication"));
                return info.contains("role:master")
                        ? info.contains("connected_slaves:1")
                        : info.contains("master_link_status:up");
            });
        }
    }

    /** Starts (or restarts, with its nodes.conf: it rejoins the cluster) the node on {@code port}. */
    private Process startNode(int port) throws IOException {
        Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
        return new ProcessBuilder(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        nodeDir.toString(),
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "2000",
                        "--appendonly",
                        "no",
                        "--save",
                        "",
                        "--daemonize",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        nodeDir.resolve("redis.log").toFile()))
                .start();
    }

    /** Starts the node on {@code port} again after {@link #kill}: it rejoins as a replica of its old slots' master. */
    public synchronized void restart(int port) throws IOException {
        processes.set(ports.indexOf(port), startNode(port));
    }

    /** Returns the {@code host:port} of every node, masters and replicas. */
    public List<String> nodes() {
        return ports.stream().map(p -> "127.0.0.1:" + p).toList();
    }

    /** Returns the port of the master serving the hash slot of {@code prefix}'s keys. */
    public int masterOf(String prefix) {
        int slot = SlotHash.getSlot(prefix + "_u");
        for (Map.Entry<Integer, int[]> e : masterSlots().entrySet()) {
            for (int i = 0; i < e.getValue().length; i += 2) {
                if (slot >= e.getValue()[i] && slot <= e.getValue()[i + 1]) {
                    return e.getKey();
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** Returns the ports of the masters, in port order. */
    public List<Integer> masters() {
        return List.copyOf(masterSlots().keySet());
    }

    /** Returns the ports of the replicas, in port order. */
    public List<Integer> replicas() {
        List<Integer> masters = masters();
        return ports.stream()
                .filter(p -> processes.get(ports.indexOf(p)).isAlive() && !masters.contains(p))
                .sorted()
                .toList();
    }

    /** Returns a port of a master that does not serve the slot of {@code prefix}: start-up must follow MOVED. */
    public int otherMaster(String prefix) {
        int owner = masterOf(prefix);
        return masters().stream().filter(p -> p != owner).findFirst().orElseThrow();
    }

    /** Slot ranges (from, to, from, to…) by master port, from {@code CLUSTER NODES} of the first node. */
    private Map<Integer, int[]> masterSlots() {
        Map<Integer, int[]> slots = new TreeMap<>();
        int alive = ports.get(processes.indexOf(
                processes.stream().filter(Process::isAlive).findFirst().orElseThrow()));
        for (String line : command(alive, r -> r.clusterNodes()).split("\n")) {
            // <id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>
            String[] f = line.trim().split(" ");
            if (f.length < 9 || !List.of(f[2].split(",")).contains("master") || f[2].contains("fail")) {
                continue;
            }
            String address = f[1].substring(0, f[1].indexOf('@'));
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            List<Integer> ranges = new ArrayList<>();
            for (int i = 8; i < f.length; i++) {
                if (f[i].startsWith("[")) {
                    continue; // a slot being migrated
                }
                String[] r = f[i].split("-");
                ranges.add(Integer.parseInt(r[0]));
                ranges.add(Integer.parseInt(r[r.length - 1]));
            }
            slots.put(port, ranges.stream().mapToInt(Integer::intValue).toArray());
        }
        return slots;
    }

    /** Runs {@code f} on a plain connection to one node (no cluster routing). */
    public <T> T command(int port, java.util.function.Function<RedisCommands<String, String>, T> f) {
        RedisURI uri = RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(port)
                .withTimeout(Duration.ofSeconds(5))
                .build();
        try (StatefulRedisConnection<String, String> c = client.connect(uri)) {
            return f.apply(c.sync());
        }
    }

    /** Whether the node on {@code port} itself holds {@code key} (no redirection followed). */
    public boolean holds(int port, String key) {
        return command(port, r -> {
            try {
                return r.exists(key) == 1L;
            } catch (io.lettuce.core.RedisCommandExecutionException e) {
                return false; // MOVED: the slot is served elsewhere
            }
        });
    }

    /** Deletes every key of {@code prefix}: they all live on the master of its slot (a hash tag). */
    public void deleteKeys(String prefix) {
        int master = masterOf(prefix);
        command(master, r -> {
            List<String> keys = r.keys(prefix.replaceAll("([\\\\*?\\[\\]])", "\\\\$1") + "*");
            return keys.isEmpty() ? 0L : r.del(keys.toArray(String[]::new));
        });
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        processes.clear();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /** A port below the ephemeral range whose cluster bus port (+10000) is free too. */
    private static int freeClusterPort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(17000, 22000);
            if (free(port) && free(port + 10000)) {
                return port;
            }
        }
        throw new IOException("no free port pair (p, p+10000) between 17000 and 32000");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String binary) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, binary))) {
                return true;
            }
        }
        return false;
    }

    private void awaitTrue(String what, java.util.function.BooleanSupplier check)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IOException("a redis-server exited (code " + p.exitValue() + "); logs in " + dir);
                }
            }
            try {
                if (check.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            Thread.sleep(50);
        }
        throw new IOException(
                "timed out waiting for " + what + (last != null ? " (last error: " + last.getMessage() + ")" : ""));
    }
}
