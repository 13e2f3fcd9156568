package io.dtm4j.protocol;

import java.util.Arrays;
import java.util.Optional;

/** The global transaction types of the dtm protocol, with their wire names. */
public enum TransType {
    SAGA("saga"),
    MSG("msg"),
    TCC("tcc"),
    XA("xa"),
    WORKFLOW("workflow");

    private final String wire;

    TransType(String wire) {
        this.wire = wire;
    }

    /** Returns the name used on the wire and in the store, e.g. {@code saga}. */
    public String wire() {
        return wire;
    }

    /** Returns the type whose wire name is {@code name}, or empty when there is none. */
    public static Optional<TransType> fromWire(String name) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
