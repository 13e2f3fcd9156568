package io.dtm4j.faults.workload;

/**
 * What the client saw of one transfer: whether the server acknowledged it (a successful prepare,
 * or submit for the modes without prepare), the answer and how long the client call took.
 */
public final class Attempt {
    private final Transfer transfer;
    private final long startMillis = System.currentTimeMillis();
    private volatile boolean acknowledged;
    private volatile String answer = "";
    private volatile long latencyNanos;

    Attempt(Transfer transfer) {
        this.transfer = transfer;
    }

    public Transfer transfer() {
        return transfer;
    }

    public long startMillis() {
        return startMillis;
    }

    /** Records that the server has durably accepted the transaction. */
    void acknowledge() {
        acknowledged = true;
    }

    public boolean acknowledged() {
        return acknowledged;
    }

    void finish(String answer, long latencyNanos) {
        this.answer = answer;
        this.latencyNanos = latencyNanos;
    }

    /** The client's result: {@code ok}, {@code failure}, {@code ongoing} or {@code error: ...}. */
    public String answer() {
        return answer;
    }

    public long latencyNanos() {
        return latencyNanos;
    }
}
