package io.dtm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dtm4j.server.testing.BusinessStub;
import io.dtm4j.server.testing.BusinessStub.Reply;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * dtm4j-cli as a process of its own, as scripts run it: {@code Cli.main} in a child JVM whose class
 * path is this module's classes and Jackson only, which is what the runnable jar holds (the jar itself
 * is made at {@code package}, after the tests). Its standard input is a pipe, not a terminal.
 */
class CliProcessTest {
    static final BusinessStub busi = new BusinessStub();
    static final TestServer dtm = new TestServer();

    @AfterAll
    static void stop() {
        dtm.close();
        busi.close();
    }

    record Run(int exit, String out, String err) {}

    /** Runs {@code java io.dtm4j.cli.Cli args} with stdin, stdout and stderr as pipes. */
    static Run cli(String... args) throws IOException, InterruptedException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> Path.of(e).endsWith(Path.of("cli", "target", "classes"))
                        || Path.of(e).getFileName().toString().matches("jackson-(core|databind|annotations)-.*\\.jar"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).contains("classes").contains("jackson-databind");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                "io.dtm4j.cli.Cli"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("DTM4J_SERVER");
        pb.environment().remove("DTM4J_TOKEN");
        pb.environment().put("LC_ALL", "C"); // the POSIX locale of many containers: ASCII by default
        pb.environment().put("LANG", "C");
        Process p = pb.start();
        p.getOutputStream().close(); // standard input: an empty pipe
        var out = p.getInputStream().readAllBytes(); // small outputs: reading one stream then the other is safe
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void listJsonPrintsOneTransactionPerLineAndExits0() throws Exception {
        String gid = "process-list";
        Trans saga = Trans.saga(gid)
                .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                .set("wait_result", true);
        assertThat(dtm.post("/api/dtmsvr/submit", saga.body()).status()).isEqualTo(200);

        Run r = cli("--server", dtm.baseUrl(), "list", "--json");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> lines = r.out().lines().toList();
        assertThat(lines)
                .isNotEmpty()
                .allSatisfy(l -> assertThat(dtm.parse(l).isObject()).isTrue());
        assertThat(lines)
                .map(l -> dtm.parse(l).path("gid").asText() + " "
                        + dtm.parse(l).path("status").asText())
                .contains(gid + " succeed");
    }

    @Test
    void stopWithoutYesAndWithoutATerminalRefusesWithExit2() throws Exception {
        String gid = "process-stop";
        busi.alwaysFor(gid, "TransOut", Reply.ERROR);
        dtm.post(
                "/api/dtmsvr/submit",
                Trans.saga(gid)
                        .step(busi.url("TransOut"), busi.url("TransOutRevert"), "{}")
                        .body());
        await().until(() -> dtm.nextCronInterval(gid) == 20);

        Run r = cli("--server", dtm.baseUrl(), "stop", gid);

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("dtm4j-cli: stop needs --yes when there is no terminal to confirm at");
        assertThat(dtm.status(gid)).isEqualTo("submitted");

        Run yes = cli("--server", dtm.baseUrl(), "stop", gid, "--yes");
        assertThat(yes.exit()).as(yes.err()).isZero();
        assertThat(dtm.status(gid)).isEqualTo("failed");
    }

    @Test
    void outputIsUtf8WhateverTheLocale() throws Exception {
        String remark = "Lager ✓ Größe";
        assertThat(dtm.get("/api/dtmsvr/subscribe?topic=utf8&url=" + busi.url("Sub") + "&remark="
                                + java.net.URLEncoder.encode(remark, StandardCharsets.UTF_8))
                        .status())
                .isEqualTo(200);

        Run table = cli("--server", dtm.baseUrl(), "topics", "show", "utf8");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out()).contains(remark);
        Run json = cli("--server", dtm.baseUrl(), "--json", "topics", "show", "utf8");
        assertThat(dtm.parse(dtm.parse(json.out()).path("v").asText())
                        .get(0)
                        .path("remark")
                        .asText())
                .isEqualTo(remark);
    }

    @Test
    void anUnreachableServerExits3() throws Exception {
        Run r = cli("--server", CliUsageTest.NOWHERE, "list");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err())
                .isEqualTo("dtm4j-cli: cannot reach the server at " + CliUsageTest.NOWHERE + ": connection refused"
                        + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }
}
