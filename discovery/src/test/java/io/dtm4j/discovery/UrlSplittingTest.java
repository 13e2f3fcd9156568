package io.dtm4j.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two rules that split gRPC branch URLs (docs/protocol.md §6.4 step 1, §14), and how etcd
 * targets are read.
 */
class UrlSplittingTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            localhost:58081/busi.Busi/TransOut        | localhost:58081        | /busi.Busi/TransOut
            10.0.0.7:8080/a.b.c.Svc/Do                | 10.0.0.7:8080          | /a.b.c.Svc/Do
            busi.prod.svc.cluster.local:80/busi.B/M   | busi.prod.svc.cluster.local:80 | /busi.B/M
            """)
    void bothRulesSplitHostPortUrlsAtTheFirstSlash(String url, String target, String method) {
        assertThat(ServiceMethod.atFirstSlash(url)).isEqualTo(new ServiceMethod(target, method));
        assertThat(ServiceMethod.goZero(url)).isEqualTo(new ServiceMethod(target, method));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            etcd://localhost:2379/trans.rpc/trans.TransSvc/TransOut   | etcd://localhost:2379/trans.rpc   | /trans.TransSvc/TransOut
            etcd://h1:2379,h2:2379/trans.rpc/trans.TransSvc/TransIn   | etcd://h1:2379,h2:2379/trans.rpc  | /trans.TransSvc/TransIn
            discov://127.0.0.1:2379/busi/busi.Busi/TransOut           | discov://127.0.0.1:2379/busi      | /busi.Busi/TransOut
            direct:///127.0.0.1:58081,127.0.0.1:58082/busi.Busi/Do    | direct:///127.0.0.1:58081,127.0.0.1:58082 | /busi.Busi/Do
            dns:///busi:58081/busi.Busi/TransOut                      | dns:///busi:58081                 | /busi.Busi/TransOut
            localhost:58081/busi.Busi/TransOut                        | localhost:58081                   | /busi.Busi/TransOut
            """)
    void goZeroSplitsRegistryUrlsAfterTheServiceSegment(String url, String target, String method) {
        ServiceMethod split = ServiceMethod.goZero(url);
        assertThat(split).isEqualTo(new ServiceMethod(target, method));
        assertThat(split.fullMethodName()).isEqualTo(method.substring(1));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost:58081",
                "localhost:58081/",
                "localhost:58081/busi.Busi",
                "localhost:58081/busi.Busi/",
                "/busi.Busi/TransOut",
                "etcd://localhost:2379/trans.rpc",
                "etcd://localhost:2379/trans.rpc/trans.TransSvc",
                "etcd://localhost:2379/trans.rpc/a/b/c",
                "etcd://localhost:2379",
                "etcd://local host:2379/x/a.B/C"
            })
    void malformedUrlsAreRefusedWithTheExpectedForm(String url) {
        assertThatThrownBy(() -> ServiceMethod.goZero(url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + url + "'");
        if (!url.contains("://")) {
            assertThatThrownBy(() -> ServiceMethod.atFirstSlash(url))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host:port/package.Service/Method");
        }
    }

    @Test
    void etcdTargetsNameHostsKeyAndOptionalAccount() {
        assertThat(EtcdTarget.parse("etcd://localhost:2379/dtmservice"))
                .isEqualTo(new EtcdTarget(List.of("localhost:2379"), "dtmservice", "", ""));
        assertThat(EtcdTarget.parse("discov://h1:2379,h2:2379/grpc/dtm.nested/?user=root&password=p%26w"))
                .isEqualTo(new EtcdTarget(List.of("h1:2379", "h2:2379"), "grpc/dtm.nested", "root", "p&w"));
        assertThat(EtcdTarget.parse("etcd://localhost:2379/dtmservice").instancePrefix())
                .isEqualTo("dtmservice/");
        assertThat(EtcdTarget.parse("etcd://h:1/k?user=u&password=secret").toString())
                .doesNotContain("secret");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            consul://localhost:8500/dtmservice | scheme must be etcd or discov
            etcd:///dtmservice                 | names no etcd host
            etcd://localhost:2379              | names no service key
            etcd://localhost:2379/             | names no service key
            etcd://local host/x                | is not a URL
            """)
    void badEtcdTargetsAreRefused(String target, String problem) {
        assertThatThrownBy(() -> EtcdTarget.parse(target))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void prefixEndIsThePrefixWithItsLastByteIncremented() {
        assertThat(EtcdClient.prefixEnd("svc/".getBytes())).isEqualTo("svc0".getBytes());
        assertThat(EtcdClient.prefixEnd(new byte[] {'a', (byte) 0xff})).isEqualTo(new byte[] {'b'});
        assertThat(EtcdClient.prefixEnd(new byte[] {(byte) 0xff})).isEqualTo(new byte[] {0});
    }
}
