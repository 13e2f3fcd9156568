package io.dtm4j.server.discovery;

import java.util.List;

/** The drivers dtm4j has, by the names {@code MicroService.Driver} takes. */
public final class MicroServiceDrivers {
    private MicroServiceDrivers() {}

    /** The names of the available drivers. */
    public static final List<String> NAMES = List.of(DefaultDriver.NAME, GoZeroDriver.NAME);

    /**
     * Returns the driver called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static MicroServiceDriver named(String name) {
        return switch (name) {
            case DefaultDriver.NAME -> new DefaultDriver();
            case GoZeroDriver.NAME -> new GoZeroDriver();
            default ->
                throw new IllegalArgumentException(
                        "unknown micro-service driver '" + name + "': use one of " + String.join(", ", NAMES));
        };
    }
}
