package io.dtm4j.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ConsoleAccess.SignInResult;
import java.time.Clock;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/** Sign-ins are checked a few at a time: each costs a bcrypt check (docs/security.md#console). */
class ConsoleAccessTest {
    static final ConsoleUsers USERS = ConsoleUsers.parse("alice:operator:" + ConsoleUsers.hash("alice-password"));

    @Test
    void aSignInBeyondTheLimitIsBusyAndChecksNothingAndOneWithinItIsChecked() throws InterruptedException {
        Semaphore slots = new Semaphore(1);
        var access = new ConsoleAccess(new ServerConfig.Console(USERS, false, "", 60), Clock.systemUTC(), slots);

        slots.acquire(); // another sign-in is being checked
        assertThat(access.login("alice", "alice-password").result()).isEqualTo(SignInResult.BUSY);
        assertThat(access.login("alice", "alice-password").cookie()).isNull();

        slots.release();
        var signIn = access.login("alice", "alice-password");
        assertThat(signIn.result()).isEqualTo(SignInResult.OK);
        assertThat(access.decide("10.0.0.1", "dtm", signIn.cookie()).principal().name())
                .isEqualTo("alice");
        assertThat(access.login("alice", "wrong").result()).isEqualTo(SignInResult.REFUSED);
        assertThat(slots.availablePermits())
                .as("every check gives its slot back")
                .isEqualTo(1);
    }
}
