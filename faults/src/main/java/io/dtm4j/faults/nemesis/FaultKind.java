package io.dtm4j.faults.nemesis;

/** What the nemesis does to the system under test. */
public enum FaultKind {
    /** kill -9 of a server node, then a restart on the same ports. */
    KILL_SERVER("kill -9 of a server node"),
    /** SIGSTOP of a server node for longer than its claim lease, then SIGCONT. */
    PAUSE_SERVER("SIGSTOP of a server node past its lease"),
    /** The store stops abruptly (kill -9 or immediate shutdown) for seconds, then restarts. */
    STORE_OUTAGE("store outage"),
    /** kill -9 of a bank service, mid-call, then a restart. */
    KILL_BANK("kill -9 of a bank service"),
    /** A bank commits, then answers 500, for a while. */
    BANK_ERROR("bank commits then answers 500"),
    /** A bank commits, then drops the connection, for a while. */
    BANK_DROP("bank commits then drops the connection"),
    /** A bank commits, then answers after RequestTimeout, for a while. */
    BANK_SLOW("bank answers after RequestTimeout");

    private final String description;

    FaultKind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
