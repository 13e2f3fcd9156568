package io.dtm4j.server.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.config.ConfigException;
import io.dtm4j.server.config.ConfigLoader;
import io.dtm4j.server.config.ServerConfig.MicroServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code MicroService.*} keys (docs/protocol.md §18) as dtm writes them, from a file and from
 * the environment.
 */
class MicroServiceConfigTest {
    @TempDir
    Path dir;

    private Path yaml(String text) throws IOException {
        return Files.writeString(dir.resolve("conf.yml"), text);
    }

    @Test
    void theDefaultIsTheDefaultDriverWithoutRegistration() {
        assertThat(ConfigLoader.load(null, Map.of()).microService()).isEqualTo(MicroServiceConfig.NONE);
    }

    @Test
    void dtmsGoZeroSampleIsRead() throws IOException {
        Path file = yaml("""
                MicroService:
                  Driver: 'dtm-driver-gozero'
                  Target: 'etcd://localhost:2379/dtmservice'
                  EndPoint: 'localhost:36790'
                """);
        assertThat(ConfigLoader.load(file, Map.of()).microService())
                .isEqualTo(new MicroServiceConfig(
                        "dtm-driver-gozero", "etcd://localhost:2379/dtmservice", "localhost:36790"));
    }

    @Test
    void environmentVariablesCarryTheSameKeysAndTheFileWins() throws IOException {
        var env = Map.of(
                "MICRO_SERVICE_DRIVER", "dtm-driver-gozero",
                "MICRO_SERVICE_TARGET", "etcd://etcd:2379/dtmservice",
                "MICRO_SERVICE_END_POINT", "dtm:36790");
        assertThat(ConfigLoader.load(null, env).microService())
                .isEqualTo(new MicroServiceConfig("dtm-driver-gozero", "etcd://etcd:2379/dtmservice", "dtm:36790"));
        Path file = yaml("""
                microservice:
                  endpoint: 10.0.0.5:36790
                """);
        assertThat(ConfigLoader.load(file, env).microService().endPoint()).isEqualTo("10.0.0.5:36790");
    }

    @Test
    void anUnknownDriverIsAConfigurationError() throws IOException {
        Path file = yaml("""
                MicroService:
                  Driver: dtm-driver-kratos
                """);
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "MicroService.Driver (MICRO_SERVICE_DRIVER) = \"dtm-driver-kratos\": must be one of default,"
                                + " dtm-driver-gozero");
    }

    @Test
    void aTargetWithoutEndPointIsAConfigurationError() {
        var env = Map.of("MICRO_SERVICE_DRIVER", "dtm-driver-gozero", "MICRO_SERVICE_TARGET", "etcd://e:2379/dtm");
        assertThatThrownBy(() -> ConfigLoader.load(null, env))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MicroService.EndPoint (MICRO_SERVICE_END_POINT) = \"\": must be set when"
                        + " MicroService.Target is set");
    }

    @Test
    void aSectionThatIsNotAMappingIsAConfigurationError() throws IOException {
        Path file = yaml("MicroService: etcd\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("must be a mapping of MicroService.* keys");
    }

    @Test
    void theDriversTheConfigurationAcceptsAreTheDriversThereAre() {
        assertThat(MicroServiceDrivers.NAMES).containsExactly(MicroServiceConfig.DEFAULT, MicroServiceConfig.GOZERO);
    }
}
