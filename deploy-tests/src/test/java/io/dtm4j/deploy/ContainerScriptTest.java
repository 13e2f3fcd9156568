package io.dtm4j.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's entry point, {@code /opt/dtm4j/bin/dtm4j-container}, run from the image's own files
 * (extracted from the tarball) with this machine's {@code sh} and JDK in place of the base image's: which
 * arguments it gives the JVM, that the server it starts reads the mounted YAML and answers the health
 * check, and, on JDK 25+, that it trains the ahead-of-time cache once and starts with it.
 */
class ContainerScriptTest {
    @TempDir
    static Path root;

    private static Path script;
    private static Path app;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void extractImage() throws IOException {
        ImageTarball.ofBuild().extractTo(root);
        script = root.resolve("opt/dtm4j/bin/dtm4j-container");
        app = root.resolve("app");
        // the image names its jars by absolute paths under /app: point them at the extracted copy
        Path classpath = app.resolve("jib-classpath-file");
        Files.writeString(classpath, Files.readString(classpath).replace("/app/", app + "/"));
    }

    @AfterEach
    void stopServers() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void addsTheMountedYamlUnlessTheCommandNamesAFile(@TempDir Path dir) throws Exception {
        Path conf = Files.writeString(dir.resolve("conf.yml"), "LogLevel: warn\n");
        Map<String, String> env = fakeJava(dir);
        env.put("DTM4J_CONFIG", conf.toString());

        assertThat(argsAfterMain(env, dir)).containsExactly("-c", conf.toString());
        assertThat(argsAfterMain(env, dir, "-c", "/other.yml", "-d")).containsExactly("-c", "/other.yml", "-d");
        assertThat(argsAfterMain(env, dir, "-c=/other.yml")).containsExactly("-c=/other.yml");
        env.put("DTM4J_CONFIG", dir.resolve("absent.yml").toString());
        assertThat(argsAfterMain(env, dir, "-d")).containsExactly("-d");
    }

    @Test
    void passesTheContainerFlagsThenJavaOpts(@TempDir Path dir) throws Exception {
        Map<String, String> env = fakeJava(dir);
        env.put("JAVA_OPTS", "-Xmx300m -Dfoo=bar");
        run(env, dir);
        List<String> args = Files.readAllLines(dir.resolve("args"));
        assertThat(args.subList(0, args.indexOf("-cp")))
                .containsExactly(
                        "-XX:MaxRAMPercentage=75",
                        "-XX:+ExitOnOutOfMemoryError",
                        "--enable-native-access=ALL-UNNAMED",
                        "-Xmx300m",
                        "-Dfoo=bar");
        assertThat(args.get(args.indexOf("-cp") + 1)).isEqualTo("@" + app.resolve("jib-classpath-file"));
    }

    @Test
    void startedServerReadsTheMountedYamlAndPassesTheHealthCheck(@TempDir Path dir) throws Exception {
        int filePort = freePort();
        int envPort = freePort();
        Path conf = Files.writeString(dir.resolve("conf.yml"), "HttpPort: " + filePort + "\n");
        Map<String, String> env = serverEnv(dir);
        env.put("DTM4J_CONFIG", conf.toString());
        env.put("DTM4J_AOT", "0");
        env.put("HTTP_PORT", String.valueOf(envPort)); // the file wins, as documented
        start(env, dir);
        awaitPing(filePort, Duration.ofSeconds(60));

        env.put("HTTP_PORT", String.valueOf(filePort));
        assertThat(run(env, dir, "healthcheck")).isZero();
        env.put("HTTP_PORT", String.valueOf(envPort));
        assertThat(run(env, dir, "healthcheck")).isEqualTo(1);
        assertThat(Files.readString(dir.resolve("err"))).contains("dtm4j health check: http://127.0.0.1:" + envPort);
    }

    @Test
    void firstStartTrainsTheAheadOfTimeCacheAndLaterStartsReuseIt(@TempDir Path dir) throws Exception {
        assumeTrue(
                Runtime.version().feature() >= 25,
                "the ahead-of-time cache needs JDK 25+, this is " + Runtime.version());
        Path aot = dir.resolve("aot");
        Map<String, String> env = serverEnv(dir);
        env.put("DTM4J_AOT_DIR", aot.toString());
        env.put("DTM4J_AOT_SECONDS", "2");
        int port = freePort();
        env.put("HTTP_PORT", String.valueOf(port));

        Process first = start(env, dir);
        awaitPing(port, Duration.ofSeconds(120));
        assertThat(Files.readString(dir.resolve("server.err"))).contains("training the JVM's ahead-of-time cache");
        List<Path> caches;
        try (Stream<Path> s = Files.list(aot)) {
            caches = s.toList();
        }
        assertThat(caches)
                .singleElement()
                .satisfies(p -> assertThat(p.getFileName().toString()).matches("dtm4j-.*\\.aot"));
        assertThat(commandLine(first)).contains("-XX:AOTCache=" + caches.get(0));
        first.destroy();
        assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();

        Process second = start(env, dir);
        awaitPing(port, Duration.ofSeconds(60));
        assertThat(Files.readString(dir.resolve("server.err")))
                .doesNotContain("training")
                .doesNotContain("[warning][aot]")
                .doesNotContain("[error][aot]");
        assertThat(commandLine(second)).contains("-XX:AOTCache=" + caches.get(0));
    }

    @Test
    void stopDuringTrainingEndsTheTrainingAtOnceAndLeavesNoPartialCache(@TempDir Path dir) throws Exception {
        assumeTrue(
                Runtime.version().feature() >= 25,
                "the ahead-of-time cache needs JDK 25+, this is " + Runtime.version());
        Path aot = dir.resolve("aot");
        Map<String, String> env = serverEnv(dir);
        env.put("DTM4J_AOT_DIR", aot.toString());
        env.put("DTM4J_AOT_SECONDS", "60");
        Process script = start(env, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<ProcessHandle> training = List.of();
        while (training.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            if (Files.readString(dir.resolve("server.err")).contains("training")) {
                // the script's own children by now: the training JVM (the earlier version checks have ended)
                training = script.children().toList();
            }
        }
        assertThat(training).as("the training JVM").isNotEmpty();

        script.destroy(); // SIGTERM, as a container stop sends to process 1
        assertThat(script.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(script.exitValue()).isEqualTo(143);
        for (ProcessHandle jvm : training) {
            assertThat(jvm.onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
        }
        try (Stream<Path> s = Files.list(aot)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    private Map<String, String> serverEnv(Path dir) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("DTM4J_APP", app.toString());
        env.put("DTM4J_CONFIG", dir.resolve("absent.yml").toString());
        env.put("STORE_DATA_DIR", Files.createDirectories(dir.resolve("data")).toString());
        env.put("GRPC_PORT", String.valueOf(freePort()));
        env.put("HTTP_PORT", String.valueOf(freePort()));
        env.put("LOG_LEVEL", "warn");
        return env;
    }

    /** An environment whose {@code java} only writes its arguments, one a line, to {@code dir/args}. */
    private static Map<String, String> fakeJava(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        Path java = Files.writeString(
                bin.resolve("java"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + dir.resolve("args") + "\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("JAVA_HOME", dir.resolve("jdk").toString());
        env.put("DTM4J_APP", app.toString());
        env.put("DTM4J_CONFIG", dir.resolve("absent.yml").toString());
        return env;
    }

    private List<String> argsAfterMain(Map<String, String> env, Path dir, String... args) throws Exception {
        assertThat(run(env, dir, args)).isZero();
        List<String> all = Files.readAllLines(dir.resolve("args"));
        return all.subList(all.indexOf("io.dtm4j.server.Main") + 1, all.size());
    }

    private static int run(Map<String, String> env, Path dir, String... args) throws Exception {
        Process p = builder(env, args)
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile())
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    private Process start(Map<String, String> env, Path dir) throws IOException {
        Process p = builder(env)
                .redirectOutput(dir.resolve("server.out").toFile())
                .redirectError(dir.resolve("server.err").toFile())
                .start();
        started.add(p);
        return p;
    }

    private static ProcessBuilder builder(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("sh", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }

    private static void awaitPing(int port, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpRequest ping = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/ping"))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            while (true) {
                try {
                    if (client.send(ping, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no answer on port " + port + "/api/ping within " + timeout);
                }
                Thread.sleep(200);
            }
        }
    }

    /** The command line of a process (the script execs the JVM, so this is the server's). */
    private static String commandLine(Process p) throws IOException {
        return new String(
                        Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline")),
                        StandardCharsets.UTF_8)
                .replace('\0', ' ');
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
