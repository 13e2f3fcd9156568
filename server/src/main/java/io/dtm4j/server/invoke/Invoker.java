package io.dtm4j.server.invoke;

/** Calls business services. Implementations are thread-safe and block the calling (virtual) thread. */
public interface Invoker extends AutoCloseable {

    /**
     * Makes the call and classifies its outcome. Never throws for remote problems: connection
     * errors and timeouts are transient-error outcomes. An empty URL is a success without a call.
     */
    Outcome call(BranchCall call);

    @Override
    void close();
}
