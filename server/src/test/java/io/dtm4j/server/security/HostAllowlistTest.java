package io.dtm4j.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostAllowlistTest {
    final HostAllowlist list = HostAllowlist.parse(" 10.0.0.0/8, fd00::/8, *.svc.cluster.local, busi:8081, Ledger ");

    @Test
    void emptyAllowsEveryHost() {
        assertThat(HostAllowlist.parse(" , ")).isSameAs(HostAllowlist.ANY);
        assertThat(HostAllowlist.ANY.allows("169.254.169.254", 80)).isTrue();
    }

    @Test
    void rangesMatchIpLiteralsOnly() {
        assertThat(list.allows("10.1.2.3", 80)).isTrue();
        assertThat(list.allows("11.0.0.1", 80)).isFalse();
        assertThat(list.allows("[fd00::1]", 443)).isTrue();
        assertThat(list.allows("fe80::1", 443)).isFalse();
        assertThat(list.allows("::ffff:10.0.0.9", 80)).isTrue(); // IPv4-mapped: the IPv4 address counts
        // names are never resolved, whatever they resolve to
        assertThat(HostAllowlist.parse("127.0.0.0/8").allows("localhost", 80)).isFalse();
    }

    @Test
    void namesMatchExactlyOrBySuffixAndOnTheirPortWhenOneIsGiven() {
        assertThat(list.allows("pay.prod.svc.cluster.local", 9000)).isTrue();
        assertThat(list.allows("svc.cluster.local", 9000)).isFalse();
        assertThat(list.allows("evilsvc.cluster.local", 9000)).isFalse();
        assertThat(list.allows("BUSI", 8081)).isTrue();
        assertThat(list.allows("busi", 8082)).isFalse();
        assertThat(list.allows("ledger.", 1)).isTrue(); // a trailing dot names the same host
    }

    @Test
    void aBadEntryIsNamed() {
        assertThatThrownBy(() -> HostAllowlist.parse("10.0.0.0/33"))
                .hasMessage("'10.0.0.0/33' is not an IP range such as 10.0.0.0/8");
        assertThatThrownBy(() -> HostAllowlist.parse("busi.internal/8"))
                .hasMessageContaining("'busi.internal/8' is not an IP range");
        assertThatThrownBy(() -> HostAllowlist.parse("busi:0")).hasMessageContaining("no port from 1 to 65535");
        assertThatThrownBy(() -> HostAllowlist.parse("http://busi")).hasMessageContaining("is a URL: name its host");
        assertThatThrownBy(() -> HostAllowlist.parse("busi!")).hasMessageContaining("is not a host");
        assertThatThrownBy(() -> HostAllowlist.parse("::1")).hasMessageContaining("write an IPv6 address as a range");
    }
}
