package io.dtm4j.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.server.security.ConsoleUsers.Role;
import io.dtm4j.server.security.OidcRoles.Identity;
import java.util.List;
import org.junit.jupiter.api.Test;

class OidcRolesTest {
    static final OidcRoles ROLES = OidcRoles.parse(
            List.of("ops@example.com:operator", "*@Example.com:viewer", "group:sre:operator", "u-42:viewer"));

    static Identity who(String sub, String email, boolean verified, String... groups) {
        return new Identity(sub, email, verified, List.of(groups));
    }

    @Test
    void eachKindOfIdentityMatchesAndTheStrongestRoleWins() {
        assertThat(ROLES.roleOf(who("a", "ops@example.com", true))).hasValue(Role.OPERATOR);
        assertThat(ROLES.roleOf(who("b", "Dev@EXAMPLE.com", true))).hasValue(Role.VIEWER);
        assertThat(ROLES.roleOf(who("c", "dev@example.com", true, "sre"))).hasValue(Role.OPERATOR);
        assertThat(ROLES.roleOf(who("u-42", null, false))).hasValue(Role.VIEWER);
        assertThat(ROLES.roleOf(who("d", "dev@notexample.com", true))).isEmpty();
        assertThat(ROLES.roleOf(who("e", "x@example.com.evil", true))).isEmpty();
    }

    @Test
    void anAddressTheProviderHasNotVerifiedMatchesNoAddressEntry() {
        assertThat(ROLES.roleOf(who("a", "ops@example.com", false))).isEmpty();
        assertThat(who("a", "ops@example.com", false).name()).isEqualTo("a");
        assertThat(OidcRoles.parse(List.of("*:viewer")).roleOf(who("z", null, false)))
                .hasValue(Role.VIEWER);
    }

    @Test
    void malformedEntriesAreRefused() {
        for (String bad : List.of("ops@example.com", "ops@example.com:admin", ":viewer", "group::operator")) {
            assertThatThrownBy(() -> OidcRoles.parse(List.of(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("identity:role");
        }
    }
}
