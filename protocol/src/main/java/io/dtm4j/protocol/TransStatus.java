package io.dtm4j.protocol;

import java.util.Arrays;
import java.util.Optional;

/**
 * Statuses of global transactions and of branch op rows. Branch rows use only {@link #PREPARED},
 * {@link #SUCCEED} and {@link #FAILED}.
 */
public enum TransStatus {
    PREPARED("prepared"),
    SUBMITTED("submitted"),
    ABORTING("aborting"),
    SUCCEED("succeed"),
    FAILED("failed");

    private final String wire;

    TransStatus(String wire) {
        this.wire = wire;
    }

    /** Returns the name used on the wire and in the store, e.g. {@code submitted}. */
    public String wire() {
        return wire;
    }

    /** Returns true for the terminal statuses {@code succeed} and {@code failed}. */
    public boolean isFinished() {
        return this == SUCCEED || this == FAILED;
    }

    /** Returns the status whose wire name is {@code name}, or empty when there is none. */
    public static Optional<TransStatus> fromWire(String name) {
        return Arrays.stream(values()).filter(s -> s.wire.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
