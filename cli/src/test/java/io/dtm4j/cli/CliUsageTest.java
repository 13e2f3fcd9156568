package io.dtm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Usage errors (exit 2), help (exit 0) and an unreachable server (exit 3): each with a message and
 * never a stack trace. None of these needs a server; the unreachable one gets a port nobody listens on.
 */
class CliUsageTest {
    /** A server address where nothing listens: usage errors must be found before any request. */
    static final String NOWHERE = "http://127.0.0.1:" + closedPort();

    final CliRunner cli = new CliRunner(NOWHERE);

    static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertUsageError(CliRunner.Result r, String message, String usage) {
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines().findFirst().orElse("")).startsWith("dtm4j-cli: " + message);
        assertThat(r.err()).contains(usage);
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void anUnknownCommandIsAUsageError() {
        assertUsageError(cli.run("frobnicate"), "unknown command 'frobnicate'", "Usage: dtm4j-cli");
        assertUsageError(cli.run("topics", "frobnicate"), "unknown command 'topics frobnicate'", "topics subscribe");
        assertUsageError(cli.run("parked"), "parked needs a subcommand", "parked replay GID...");
        assertUsageError(new CliRunner(null).run(), "no command given", "Usage: dtm4j-cli");
    }

    @Test
    void aMissingArgumentIsAUsageErrorWithTheCommandsUsage() {
        assertUsageError(cli.run("show"), "missing GID", "Usage: dtm4j-cli show GID");
        assertUsageError(cli.run("retry"), "missing GID", "Usage: dtm4j-cli retry GID...");
        assertUsageError(cli.run("stop", "--yes"), "missing GID", "Usage: dtm4j-cli stop GID... [--yes]");
        assertUsageError(
                cli.run("topics", "subscribe", "t"),
                "missing URL",
                "Usage: dtm4j-cli topics subscribe TOPIC URL [REMARK]");
        assertUsageError(cli.run("topics", "delete"), "missing TOPIC", "Usage: dtm4j-cli topics delete TOPIC");
        assertUsageError(cli.run("parked", "replay"), "missing GID", "Usage: dtm4j-cli parked replay GID...");
        assertUsageError(cli.run("list", "--status"), "option --status needs a value", "Usage: dtm4j-cli list");
        assertUsageError(cli.run("--server"), "option --server needs a value", "Usage: dtm4j-cli");
    }

    @Test
    void aWrongOptionOrValueIsAUsageError() {
        assertUsageError(cli.run("list", "--colour"), "unknown option --colour", "Usage: dtm4j-cli list");
        assertUsageError(cli.run("show", "g1", "g2"), "unexpected argument 'g2'", "Usage: dtm4j-cli show GID");
        assertUsageError(
                cli.run("list", "--status", "done"),
                "--status must be one of prepared, submitted, aborting, succeed, failed, not 'done'",
                "Usage: dtm4j-cli list");
        assertUsageError(
                cli.run("list", "--type", "2pc"),
                "--type must be one of saga, msg, tcc, xa, workflow, not '2pc'",
                "Usage: dtm4j-cli list");
        assertUsageError(
                cli.run("list", "--limit", "0"),
                "option --limit needs a whole number of at least 1, not '0'",
                "Usage: dtm4j-cli list");
        assertUsageError(cli.run("list", "--since", "yesterday"), "--since needs an ISO-8601 time", "Usage");
        assertUsageError(cli.run("retry", "--yes", "g1"), "unknown option --yes", "Usage: dtm4j-cli retry");
        assertUsageError(
                new CliRunner("ftp://example.com").run("list"),
                "the server address must be http://host:port or https://host:port, not ftp://example.com",
                "Usage: dtm4j-cli list");
    }

    @Test
    void helpIsPrintedOnStandardOutputWithExitCode0() {
        CliRunner.Result overview = cli.run("help");
        assertThat(overview.exit()).isZero();
        assertThat(overview.err()).isEmpty();
        for (String command : List.of(
                "list",
                "show GID",
                "retry GID...",
                "stop GID...",
                "topics list",
                "topics show TOPIC",
                "topics subscribe TOPIC URL [REMARK]",
                "topics unsubscribe TOPIC URL",
                "topics delete TOPIC",
                "parked list",
                "parked replay GID...",
                "parked stop GID...")) {
            assertThat(overview.out()).as(command).containsPattern("\n  " + Pattern.quote(command) + "[ \n]");
        }
        assertThat(overview.out()).contains("$DTM4J_SERVER", "$DTM4J_TOKEN", "\nExit codes: ");
        assertThat(cli.run("--help").out()).isEqualTo(overview.out());

        CliRunner.Result list = cli.run("list", "--help");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("Usage: dtm4j-cli [--server URL] [--token TOKEN] [--json] list [--status S]");
        assertThat(cli.run("help", "list").out()).isEqualTo(list.out());
        assertThat(cli.run("help", "topics", "subscribe").out())
                .startsWith("Usage: dtm4j-cli [--server URL] [--token TOKEN] [--json] topics subscribe TOPIC URL");
        assertThat(cli.run("topics", "--help").out()).contains("topics unsubscribe TOPIC URL");
        assertThat(cli.run("-h", "parked", "stop").out()).contains("--yes");
        assertUsageError(cli.run("help", "nothing"), "no help for 'nothing': no such command", "Usage");
    }

    @Test
    void anUnreachableServerIsExitCode3() {
        for (List<String> command : List.of(
                List.of("list"),
                List.of("show", "g1"),
                List.of("retry", "g1"),
                List.of("stop", "--yes", "g1"),
                List.of("topics", "list"),
                List.of("parked", "replay", "g1"))) {
            CliRunner.Result r = cli.run(command.toArray(String[]::new));
            assertThat(r.exit()).as(r.toString()).isEqualTo(3);
            assertThat(r.out()).isEmpty();
            assertThat(r.err())
                    .isEqualTo("dtm4j-cli: cannot reach the server at " + NOWHERE + ": connection refused\n");
        }
        CliRunner.Result unknownHost = new CliRunner("http://no-such-host.invalid:36789").run("list");
        assertThat(unknownHost.exit()).isEqualTo(3);
        assertThat(unknownHost.err())
                .isEqualTo("dtm4j-cli: cannot reach the server at http://no-such-host.invalid:36789: unknown host\n");
    }

    @Test
    void theServerComesFromTheEnvironmentUnlessGivenAndItsSdkAddressIsAccepted() {
        CliRunner.Result fromEnv =
                new CliRunner(null).env("DTM4J_SERVER", NOWHERE + "/").run("list");
        assertThat(fromEnv.err()).contains("cannot reach the server at " + NOWHERE + ":");
        CliRunner.Result sdkForm = new CliRunner(NOWHERE + "/api/dtmsvr")
                .env("DTM4J_SERVER", "http://elsewhere:1")
                .run("list");
        assertThat(sdkForm.err()).contains("cannot reach the server at " + NOWHERE + ":");
    }
}
