package io.dtm4j.server.security;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console's users (docs/security.md#console): {@code name:role:bcrypt-hash} entries, role {@code
 * viewer} (reads) or {@code operator} (also acts). Only hashes are configured; {@code java -cp
 * dtm4j-server.jar io.dtm4j.server.security.ConsoleUsers} reads a password on stdin and prints its
 * hash. A wrong name costs as much time as a wrong password, so names cannot be probed.
 */
public final class ConsoleUsers {
    /** What a user may do. */
    public enum Role {
        VIEWER,
        OPERATOR;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The role spelled {@code viewer} or {@code operator}; null for anything else. */
        public static Role fromWire(String text) {
            for (Role r : values()) {
                if (r.wire().equals(text)) {
                    return r;
                }
            }
            return null;
        }
    }

    /** A signed-in user. */
    public record User(String name, Role role) {}

    public static final ConsoleUsers NONE = new ConsoleUsers(Map.of());

    private static final BCryptPasswordEncoder BCRYPT = new BCryptPasswordEncoder(12);
    /** Checked against for unknown names: the same work as a real check. */
    private static final String DUMMY = BCRYPT.encode("no such user");

    private record Entry(Role role, String hash) {}

    private final Map<String, Entry> users;

    private ConsoleUsers(Map<String, Entry> users) {
        this.users = users;
    }

    /**
     * Parses comma-separated {@code name:role:hash} entries.
     *
     * @throws IllegalArgumentException naming the entry (by its name only) that is malformed
     */
    public static ConsoleUsers parse(String commaList) {
        Map<String, Entry> users = new LinkedHashMap<>();
        int index = 0;
        for (String raw : commaList.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            index++;
            String[] parts = entry.split(":", 3);
            String name = parts[0].trim();
            if (parts.length != 3 || name.isEmpty()) {
                throw new IllegalArgumentException("user " + index + " is not name:role:bcrypt-hash");
            }
            Role role;
            try {
                role = Role.valueOf(parts[1].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "user '" + name + "' has role '" + parts[1].trim() + "': viewer or operator");
            }
            String hash = parts[2].trim();
            if (!hash.matches("\\$2[aby]?\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                throw new IllegalArgumentException("user '" + name + "' has no bcrypt hash (make one with: java -cp"
                        + " dtm4j-server.jar io.dtm4j.server.security.ConsoleUsers)");
            }
            if (users.put(name, new Entry(role, hash)) != null) {
                throw new IllegalArgumentException("user '" + name + "' is listed twice");
            }
        }
        return users.isEmpty() ? NONE : new ConsoleUsers(Map.copyOf(users));
    }

    public boolean isEmpty() {
        return users.isEmpty();
    }

    /** The user whose name and password these are; empty for any mismatch. */
    public Optional<User> authenticate(String name, String password) {
        Entry e = users.get(name);
        boolean match = BCRYPT.matches(password, e == null ? DUMMY : e.hash());
        return match && e != null ? Optional.of(new User(name, e.role())) : Optional.empty();
    }

    /** A bcrypt hash of {@code password}, for the configuration. */
    public static String hash(String password) {
        return BCRYPT.encode(password);
    }

    @Override
    public String toString() {
        return users.size() + " console user(s)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsoleUsers other && users.equals(other.users);
    }

    @Override
    public int hashCode() {
        return users.size();
    }

    /** Reads a password on stdin (one line) and prints its bcrypt hash. */
    public static void main(String[] args) throws Exception {
        var console = System.console();
        String password;
        if (console != null) {
            password = new String(console.readPassword("password: "));
        } else {
            password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (password == null || password.length() < 8) {
            System.err.println("a password of at least 8 characters, please");
            System.exit(2);
        }
        System.out.println(hash(password));
    }
}
