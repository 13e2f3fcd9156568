package io.dtm4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line and the examples' own balance check, without a server. */
class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void listPrintsEveryExampleWithItsSummary() {
        ExampleRun run = ExampleRun.of("list");

        assertThat(run.exitStatus()).isEqualTo(Main.OK);
        for (Example example : Examples.all()) {
            assertThat(run.out())
                    .containsPattern(
                            "(?m)^" + example.name() + " +" + java.util.regex.Pattern.quote(example.summary()) + "$");
        }
    }

    @Test
    void exampleNamesAreUnique() {
        assertThat(Examples.all().stream().map(Example::name)).doesNotHaveDuplicates();
    }

    @Test
    void unknownExampleIsAUsageError() {
        ExampleRun run = ExampleRun.of("http_nothing");

        assertThat(run.exitStatus()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("no example is called 'http_nothing'; 'list' prints their names");
    }

    @Test
    void missingOptionValueIsAUsageError() {
        ExampleRun run = ExampleRun.of("http_saga", "--dtm");

        assertThat(run.exitStatus()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--dtm needs a value").contains("usage:");
    }

    @Test
    void grpcAndEtcdAddressesAreOptions() {
        Options options = Options.parse("grpc_msg_etcd", "--dtm-grpc", "10.0.0.5:36790", "--etcd", "10.0.0.6:2379");

        assertThat(options.dtmGrpc()).isEqualTo("10.0.0.5:36790");
        assertThat(options.etcd()).isEqualTo("10.0.0.6:2379");
    }

    @Test
    void aRegistryTargetReplacesTheGrpcAddress() {
        Options direct = Options.parse("grpc_msg_etcd", "--dtm-grpc", "10.0.0.5:36790");
        Options viaEtcd = Options.parse("grpc_msg_etcd", "--dtm-target", "etcd://10.0.0.6:2379/dtmservice");

        assertThat(direct.grpcTarget()).isEqualTo("10.0.0.5:36790");
        assertThat(viaEtcd.grpcTarget()).isEqualTo("etcd://10.0.0.6:2379/dtmservice");
        assertThat(viaEtcd.grpcTargetOption()).isEqualTo("--dtm-target");
    }

    @Test
    void aDtmTargetThatIsNotAUrlIsAUsageError() {
        ExampleRun run = ExampleRun.of("grpc_msg_etcd", "--dtm-target", "10.0.0.5:36790");

        assertThat(run.exitStatus()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--dtm-target takes a URL such as etcd://localhost:2379/dtmservice");
    }

    @Test
    void unsupportedDatabaseIsAUsageError() {
        ExampleRun run = ExampleRun.of("http_saga", "--db", "jdbc:h2:mem:x");

        assertThat(run.exitStatus()).isEqualTo(Main.USAGE);
        assertThat(run.err()).contains("--db must be a jdbc:sqlite:, jdbc:postgresql: or jdbc:mariadb: URL");
    }

    @Test
    void defaultsAreTheLocalServerAndATemporarySqliteFile() {
        Options options = Options.parse("http_saga");

        assertThat(options.dtm()).isEqualTo("http://localhost:36789/api/dtmsvr");
        assertThat(options.dtmGrpc()).isEqualTo("localhost:36790");
        assertThat(options.etcd()).isEqualTo("localhost:2379");
        assertThat(options.db()).startsWith("jdbc:sqlite:").endsWith("dtm4j-examples.db");
    }

    @Test
    void wrongBalancesFailTheExample() throws Exception {
        Bank bank = Bank.open("jdbc:sqlite:" + dir.resolve("bank.db"));
        bank.prepare();
        try (Connection c = bank.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE user_account SET balance = balance - 30 WHERE user_id = 1");
        }
        var context = new ExampleContext(null, bank, null, System.out, Duration.ofSeconds(1));

        assertThatThrownBy(context::expectTransferred)
                .isInstanceOf(ExampleFailedException.class)
                .hasMessage("wrong balances: expected user 1 = 9970, user 2 = 10030 (nothing booked),"
                        + " found 9970 and 10000 (booked: 0 and 0)");
    }
}
