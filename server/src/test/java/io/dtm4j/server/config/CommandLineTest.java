package io.dtm4j.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void noArgumentsMeansNoFlags() {
        assertThat(CommandLine.parse()).isEqualTo(new CommandLine(null, false, false, false, false));
    }

    @Test
    void configFileFollowsTheFlagOrAnEqualsSign() {
        assertThat(CommandLine.parse("-c", "conf.yml").configFile()).isEqualTo(Path.of("conf.yml"));
        assertThat(CommandLine.parse("--c=conf.yml").configFile()).isEqualTo(Path.of("conf.yml"));
        assertThat(CommandLine.parse("-c", "").configFile()).isNull();
    }

    @Test
    void booleanFlagsAreSetAloneOrWithAValue() {
        assertThat(CommandLine.parse("-v", "-h", "-d", "-r")).isEqualTo(new CommandLine(null, true, true, true, true));
        assertThat(CommandLine.parse("--d=false", "-v=true", "-help"))
                .isEqualTo(new CommandLine(null, true, true, false, false));
    }

    @Test
    void unknownFlagIsReportedWithTheUsage() {
        assertThatThrownBy(() -> CommandLine.parse("-x"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessageStartingWith("flag provided but not defined: -x\n")
                .hasMessageContaining("Usage: dtm4j [options]");
    }

    @Test
    void missingConfigFileArgumentIsReported() {
        assertThatThrownBy(() -> CommandLine.parse("-d", "-c"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessageStartingWith("flag needs an argument: -c\n");
    }

    @Test
    void badBooleanAndPositionalArgumentsAreReported() {
        assertThatThrownBy(() -> CommandLine.parse("-v=maybe"))
                .hasMessageStartingWith("invalid boolean value \"maybe\" for -v\n");
        assertThatThrownBy(() -> CommandLine.parse("serve")).hasMessageStartingWith("unexpected argument: serve\n");
    }

    @Test
    void usageListsEveryFlag() {
        assertThat(CommandLine.usage()).contains("-c <file>", "-d", "-r", "-v", "-h");
    }

    @Test
    void printDdlTakesTheDriver() {
        assertThat(CommandLine.parse("--print-ddl", "postgres").printDdl()).isEqualTo("postgres");
        assertThat(CommandLine.parse("-ddl=mysql").printDdl()).isEqualTo("mysql");
        assertThat(CommandLine.parse().printDdl()).isNull();
        assertThatThrownBy(() -> CommandLine.parse("--print-ddl", "oracle"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessageContaining("postgres or mysql");
        assertThatThrownBy(() -> CommandLine.parse("--print-ddl"))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessageContaining("flag needs an argument");
    }
}
