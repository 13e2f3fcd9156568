package io.dtm4j.server.security;

import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.security.ConsoleUsers.Role;
import io.dtm4j.server.security.ConsoleUsers.User;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Who may use the console (docs/security.md#console). With users configured, a session cookie signed
 * by this server (HMAC-SHA256; the key from {@code Console.SessionKey}, shared by nodes behind one
 * address, else random per start) names the user, its role, its expiry and a CSRF token that every
 * action must echo in {@code X-CSRF-Token}. Without users, the console answers loopback clients only,
 * as an operator, unless {@code Console.Insecure} opens it to everyone: never without a reason.
 */
public final class ConsoleAccess {
    public static final String COOKIE = "dtm4j_session";

    /** Who a request is on behalf of. */
    public record Principal(String name, Role role, String csrf) {
        public boolean mayAct() {
            return role == Role.OPERATOR;
        }
    }

    /** The outcome for a request: a principal, or a refusal with its status. */
    public record Decision(Principal principal, int status, String refusal) {
        static Decision allow(Principal p) {
            return new Decision(p, 200, null);
        }

        static Decision refuse(int status, String why) {
            return new Decision(null, status, why);
        }

        public boolean allowed() {
            return principal != null;
        }
    }

    /** Sign-ins checked at the same time; more are refused with "busy" (HTTP 429). */
    static final int CONCURRENT_SIGN_INS = 2;

    private final Semaphore signIns;
    private final ConsoleUsers users;
    private final boolean insecure;
    private final Signed signed;
    private final OidcSignIn oidc;
    private final String basePath;
    private final Duration ttl;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** The CSRF token of loopback and insecure mode: one per start, read by the page from /me. */
    private final String localCsrf;

    /** {@code Console.SessionKey} empty: a random key, so sessions end with this process. */
    public ConsoleAccess(ServerConfig.Console config, Clock clock) {
        this(config, clock, new Semaphore(CONCURRENT_SIGN_INS));
    }

    ConsoleAccess(ServerConfig.Console config, Clock clock, Semaphore signIns) {
        this.signIns = signIns;
        this.users = config.users();
        this.insecure = config.insecure();
        this.basePath = config.basePath();
        byte[] key = new byte[32];
        random.nextBytes(key);
        this.signed = new Signed(
                config.sessionKey().isEmpty() ? key : config.sessionKey().getBytes(StandardCharsets.UTF_8));
        this.oidc = config.oidc().enabled() ? new OidcSignIn(config.oidc(), signed, clock) : null;
        this.ttl = Duration.ofMinutes(config.sessionMinutes());
        this.clock = clock;
        this.localCsrf = Signed.randomToken(random, 24);
    }

    /** Where the console lives: {@code <basePath>/admin/} (dtm's {@code AdminBasePath}). */
    public String basePath() {
        return basePath;
    }

    /** The OpenID Connect sign-in, when {@code Console.Oidc.Issuer} is set. */
    public Optional<OidcSignIn> oidc() {
        return Optional.ofNullable(oidc);
    }

    /** Whether password users are configured. */
    public boolean hasPasswordUsers() {
        return !users.isEmpty();
    }

    /** The session cookie of a user the OpenID Connect provider signed in. */
    public String sessionFor(User user) {
        return issue(user);
    }

    /** {@code users} (password or single sign-on), {@code loopback} (no user: loopback clients only) or {@code insecure}. */
    public String mode() {
        return signInRequired() ? "users" : insecure ? "insecure" : "loopback";
    }

    private boolean signInRequired() {
        return !users.isEmpty() || oidc != null;
    }

    /**
     * Decides for a request from {@code remote} for {@code host} (its Host header) with the session
     * cookie {@code cookie} (null for none).
     */
    public Decision decide(String remote, String host, String cookie) {
        if (!signInRequired()) {
            if (insecure) {
                return Decision.allow(new Principal("anonymous", Role.OPERATOR, localCsrf));
            }
            if (!isLoopback(remote)) {
                return Decision.refuse(
                        403,
                        "no console user is configured, so the console answers loopback clients only: configure"
                                + " Console.Users (docs/security.md#console)");
            }
            // a page of another site whose name now resolves to 127.0.0.1 (DNS rebinding) comes from
            // loopback too, but names its own host
            if (!isLoopbackHost(host)) {
                return Decision.refuse(
                        403,
                        "without console users, open the console as localhost, 127.0.0.1 or [::1], not as " + host);
            }
            return Decision.allow(new Principal("local", Role.OPERATOR, localCsrf));
        }
        return read(cookie).map(Decision::allow).orElseGet(() -> Decision.refuse(401, "sign in to the console"));
    }

    /** How a sign-in ended. */
    public enum SignInResult {
        OK,
        /** wrong name or password */
        REFUSED,
        /** too many sign-ins being checked at once: nothing was checked, try again */
        BUSY
    }

    /** A sign-in's result, and the session cookie value when it is {@code OK}. */
    public record SignIn(SignInResult result, String cookie) {}

    /**
     * Checks {@code name} and {@code password}. At most {@value #CONCURRENT_SIGN_INS} are checked at
     * once: each costs a bcrypt check, so a flood of sign-ins must not take every core.
     */
    public SignIn login(String name, String password) {
        if (!signIns.tryAcquire()) {
            return new SignIn(SignInResult.BUSY, null);
        }
        try {
            return users.authenticate(name, password)
                    .map(user -> new SignIn(SignInResult.OK, issue(user)))
                    .orElse(new SignIn(SignInResult.REFUSED, null));
        } finally {
            signIns.release();
        }
    }

    /** Whether an action of {@code p} carries its CSRF token. */
    public static boolean csrfMatches(Principal p, String header) {
        return header != null
                && MessageDigest.isEqual(
                        p.csrf().getBytes(StandardCharsets.UTF_8), header.getBytes(StandardCharsets.UTF_8));
    }

    public Duration ttl() {
        return ttl;
    }

    private String issue(User user) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        return signed.wrap(user.name(), user.role().wire(), Long.toString(expires), Signed.randomToken(random, 24));
    }

    private Optional<Principal> read(String cookie) {
        return signed.unwrap(cookie, 4).flatMap(f -> {
            try {
                Role role = Role.fromWire(f.get(1));
                if (role == null
                        || Instant.ofEpochSecond(Long.parseLong(f.get(2))).isBefore(clock.instant())) {
                    return Optional.empty();
                }
                return Optional.of(new Principal(f.get(0), role, f.get(3)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** Whether a Host header ({@code name[:port]}, {@code [v6]:port}) names this machine's loopback. */
    static boolean isLoopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            h = h.substring(1, Math.max(1, h.indexOf(']')));
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.contains(":")) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.equals("localhost") || isLoopback(h);
    }

    /** Whether {@code address} (an IP literal, as a connection's remote address is) is a loopback one. */
    static boolean isLoopback(String address) {
        if (address == null || !(address.matches("[0-9.]+") || address.contains(":"))) {
            return false; // a name: never resolved
        }
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
