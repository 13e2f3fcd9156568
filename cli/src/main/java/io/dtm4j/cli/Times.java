package io.dtm4j.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times of {@code list --since/--until}: an ISO-8601 time ({@code 2026-05-04T10:00:00Z}, {@code
 * 2026-05-04T10:00:00+08:00}; without an offset, {@code 2026-05-04T10:00} or the date {@code
 * 2026-05-04}, in the local time zone), or an age: a whole number and a unit, {@code s}, {@code m},
 * {@code h} or {@code d} ({@code 15m} = 15 minutes ago).
 */
final class Times {
    private static final Instant PARKED = Instant.parse("9000-01-01T00:00:00Z");
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

    private Times() {}

    /** Returns the instant {@code text} names, for option {@code option} (named in the usage error). */
    static Instant parse(String option, String text, Clock clock) {
        String t = text.strip();
        Matcher age = AGE.matcher(t);
        if (age.matches()) {
            long n = Long.parseLong(age.group(1));
            Duration d = switch (age.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return clock.instant().minus(d);
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            // not with an offset
        }
        try {
            return LocalDateTime.parse(t).atZone(clock.getZone()).toInstant();
        } catch (DateTimeParseException e) {
            // not a local date-time
        }
        try {
            return LocalDate.parse(t).atStartOfDay(clock.getZone()).toInstant();
        } catch (DateTimeParseException e) {
            throw Failure.usage(option + " needs an ISO-8601 time (2026-05-04T10:00:00Z, 2026-05-04T10:00,"
                    + " 2026-05-04) or an age (90s, 15m, 2h, 3d), not '" + text + "'");
        }
    }

    /**
     * Returns whether the server time {@code wire} (RFC 3339) is the next_cron_time of a parked
     * transaction, {@code 9000-01-01T00:00:00Z} in the server's offset (docs/observability.md#parking).
     */
    static boolean isParkedTime(String wire) {
        try {
            return !OffsetDateTime.parse(wire).toInstant().isBefore(PARKED);
        } catch (DateTimeParseException | NullPointerException e) {
            return false;
        }
    }
}
