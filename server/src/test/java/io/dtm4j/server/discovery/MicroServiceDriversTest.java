package io.dtm4j.server.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.discovery.Registration;
import io.dtm4j.discovery.ServiceMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What each driver accepts (docs/protocol.md §14): its URL rule, its refusals, and what it
 * registers.
 */
class MicroServiceDriversTest {
    private final MicroServiceDriver byDefault = MicroServiceDrivers.named("default");
    private final MicroServiceDriver goZero = MicroServiceDrivers.named("dtm-driver-gozero");

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            localhost:58081/busi.Busi/TransOut        | localhost:58081        | /busi.Busi/TransOut
            dns:///busi:58081/busi.Busi/TransOut      | dns:///busi:58081      | /busi.Busi/TransOut
            """)
    void defaultDriverSplitsAtTheFirstSlashAndAcceptsDnsUrls(String url, String target, String method) {
        assertThat(byDefault.split(url)).isEqualTo(new ServiceMethod(target, method));
    }

    @Test
    void defaultDriverRefusesRegistryUrlsNamingTheDriverToUse() {
        assertThatThrownBy(() -> byDefault.split("etcd://localhost:2379/trans.rpc/trans.TransSvc/TransOut"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has a scheme")
                .hasMessageContaining("dtm-driver-gozero");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "etcd://localhost:2379/trans.rpc/trans.TransSvc/TransOut",
                "direct:///127.0.0.1:58081,127.0.0.1:58082/busi.Busi/Do",
                "localhost:58081/busi.Busi/TransOut"
            })
    void goZeroDriverAppliesGoZerosRule(String url) {
        assertThat(goZero.split(url)).isEqualTo(ServiceMethod.goZero(url));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:58081", "localhost:58081/busi.Busi", "etcd://localhost:2379/trans.rpc"})
    void malformedUrlsAreRefusedByBothDrivers(String url) {
        assertThatThrownBy(() -> goZero.split(url)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> byDefault.split(url)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownDriversAreRefusedListingTheKnownOnes() {
        assertThatThrownBy(() -> MicroServiceDrivers.named("dtm-driver-kratos"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dtm-driver-kratos")
                .hasMessageContaining("default, dtm-driver-gozero");
    }

    @Test
    void goZeroRegistersOnlyInEtcdAndNothingForAnEmptyTarget() {
        assertThat(goZero.register("", "localhost:36790")).isSameAs(Registration.NONE);
        assertThat(byDefault.register("etcd://localhost:2379/dtmservice", "localhost:36790"))
                .isSameAs(Registration.NONE);
        assertThatThrownBy(() -> goZero.register("consul://localhost:8500/dtmservice", "localhost:36790"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("etcd only");
    }

    @Test
    void goZeroResolvesEtcdDiscovAndDirectTargets() {
        assertThat(goZero.resolvers()).flatMap(r -> r.schemes()).containsExactlyInAnyOrder("etcd", "discov", "direct");
        assertThat(byDefault.resolvers()).isEmpty();
    }
}
