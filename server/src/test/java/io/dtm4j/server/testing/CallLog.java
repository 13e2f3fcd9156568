package io.dtm4j.server.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The calls a test service received, in arrival order and safe for concurrent callers; looked up
 * per gid, and as a trail of steps such as {@code [TransOut action, TransIn action]}.
 */
public final class CallLog<C> {
    private final Function<C, String> gid;
    private final Function<C, String> step;
    private final List<C> calls = new ArrayList<>();

    /** A log reading each call's gid and its step (e.g. "endpoint op") with the given functions. */
    public CallLog(Function<C, String> gid, Function<C, String> step) {
        this.gid = gid;
        this.step = step;
    }

    /** A log looked up by gid only: its trail is each call's {@code toString()}. */
    public CallLog(Function<C, String> gid) {
        this(gid, String::valueOf);
    }

    public synchronized void add(C call) {
        calls.add(call);
    }

    /** Returns every call, in arrival order. */
    public synchronized List<C> all() {
        return List.copyOf(calls);
    }

    /** Returns the calls of {@code gid}, in arrival order. */
    public synchronized List<C> of(String gid) {
        return calls.stream().filter(c -> gid.equals(this.gid.apply(c))).toList();
    }

    /** Returns the step of each call of {@code gid}, in arrival order. */
    public List<String> trail(String gid) {
        return of(gid).stream().map(step).toList();
    }
}
