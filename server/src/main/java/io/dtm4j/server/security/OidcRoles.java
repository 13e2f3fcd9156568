package io.dtm4j.server.security;

import io.dtm4j.server.security.ConsoleUsers.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Who of an OpenID Connect provider's users gets which console role ({@code Console.Oidc.Users}).
 * An entry is {@code identity:role}; the identity is an e-mail address, a subject ({@code sub}),
 * {@code *@domain} (every address of the domain), {@code group:NAME} (the {@code groups} claim) or
 * {@code *} (everyone the provider signs in). A user matching several entries gets the strongest
 * role; one matching none is refused. E-mail entries only match an address the provider has not
 * marked unverified.
 */
public final class OidcRoles {

    /** What the provider's ID token says about the user. */
    public record Identity(String subject, String email, boolean emailVerified, List<String> groups) {
        /** The name the console and the audit log show. */
        public String name() {
            return email != null && emailVerified ? email : subject;
        }
    }

    private record Entry(String identity, Role role) {}

    private final List<Entry> entries;

    private OidcRoles(List<Entry> entries) {
        this.entries = entries;
    }

    /** @throws IllegalArgumentException naming the first malformed entry */
    public static OidcRoles parse(List<String> items) {
        List<Entry> entries = new ArrayList<>();
        for (String item : items) {
            int colon = item.lastIndexOf(':');
            String identity = colon < 0 ? "" : item.substring(0, colon).trim();
            Role role = colon < 0
                    ? null
                    : ConsoleUsers.Role.fromWire(item.substring(colon + 1).trim());
            if (identity.isEmpty() || role == null || identity.equals("group:")) {
                throw new IllegalArgumentException(
                        "entry '" + item + "' must be identity:role with role viewer or operator"
                                + " (identity: e-mail, subject, *@domain, group:NAME or *)");
            }
            entries.add(new Entry(identity, role));
        }
        return new OidcRoles(List.copyOf(entries));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The role of {@code who}: the strongest of the entries it matches, none when it matches none. */
    public Optional<Role> roleOf(Identity who) {
        Role best = null;
        for (Entry e : entries) {
            if (matches(e.identity(), who) && (best == null || e.role() == Role.OPERATOR)) {
                best = e.role();
            }
        }
        return Optional.ofNullable(best);
    }

    private static boolean matches(String identity, Identity who) {
        if (identity.equals("*")) {
            return true;
        }
        if (identity.startsWith("group:")) {
            return who.groups().contains(identity.substring("group:".length()));
        }
        if (identity.equals(who.subject())) {
            return true;
        }
        if (who.email() == null || !who.emailVerified()) {
            return false;
        }
        String email = who.email().toLowerCase(Locale.ROOT);
        String wanted = identity.toLowerCase(Locale.ROOT);
        return wanted.startsWith("*@") ? email.endsWith(wanted.substring(1)) : email.equals(wanted);
    }
}
