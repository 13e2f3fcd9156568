package io.dtm4j.client;

import io.dtm4j.protocol.TransType;
import java.util.Map;

/**
 * A two-phase message: steps the server calls until each succeeds, committed together with a local
 * transaction of the application. Either {@link #prepare}, commit the local transaction, then
 * {@link #submit()} (the server checks back with {@code queryPrepared} if the application dies in
 * between), or let {@code doAndSubmit} do all of it with the barrier.
 */
public final class Msg extends GlobalTransaction<Msg> {
    private long delaySeconds;

    Msg(DtmClient dtm, String gid) {
        super(dtm, gid, TransType.MSG);
    }

    /**
     * Adds a step: the server POSTs {@code payload} to {@code action} after the message is submitted.
     *
     * @param payload a JSON String or byte[] sent as it is, or an object written as JSON
     */
    public Msg add(String action, Object payload) {
        steps.add(Map.of("action", action));
        payloads.add(Json.payload(payload));
        return this;
    }

    /** Adds a step for every subscriber of {@code topic} (see the server's subscribe route). */
    public Msg addTopic(String topic, Object payload) {
        return add("topic://" + topic, payload);
    }

    /** Calls the steps concurrently rather than one after another. */
    public Msg enableConcurrent() {
        concurrent = true;
        return this;
    }

    /** Makes the server wait {@code seconds} after submit before calling the steps. */
    public Msg delay(long seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("delay must not be negative: " + seconds);
        }
        delaySeconds = seconds;
        return this;
    }

    /**
     * Records the message as prepared. If it is neither submitted nor aborted before it times out,
     * the server GETs {@code queryPrepared} to learn whether the local transaction committed.
     */
    public void prepare(String queryPrepared) {
        this.queryPrepared = queryPrepared == null ? "" : queryPrepared;
        dtm.post("prepare", body());
    }

    /** Submits the message: the server will call every step until it succeeds. */
    public void submit() {
        if (delaySeconds > 0) {
            customData = Json.write(Map.of("delay", delaySeconds));
        }
        dtm.post("submit", body());
    }

    /** Abandons a prepared message: its steps are never called. */
    public void abort() {
        dtm.post("abort", body());
    }
}
