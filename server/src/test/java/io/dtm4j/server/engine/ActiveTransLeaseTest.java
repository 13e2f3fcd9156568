package io.dtm4j.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.discovery.ServiceMethod;
import io.dtm4j.protocol.TransOptions;
import io.dtm4j.server.Dtm4jServer;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.invoke.BranchCall;
import io.dtm4j.server.invoke.Invoker;
import io.dtm4j.server.invoke.Outcome;
import io.dtm4j.server.metrics.Metrics;
import io.dtm4j.server.security.HostAllowlist;
import io.dtm4j.server.store.GlobalTrans;
import io.dtm4j.server.testing.TestServer;
import io.dtm4j.server.testing.Trans;
import io.dtm4j.server.topic.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lease check every branch call carries to its invoker (docs/protocol.md §9.3): it holds while
 * the round's lease lasts, on the engine's clock, and fails once the lease is nearly over or the
 * claim was lost, so an invoker that had to wait (for a connection, or in a paused process) drops
 * the call instead of delivering it after another round may have taken the transaction.
 */
class ActiveTransLeaseTest {
    private final TestServer dtm = new TestServer();
    private final List<BranchCall> calls = new ArrayList<>();

    @AfterEach
    void stop() {
        dtm.close();
    }

    /** A round of a prepared msg on the test server's store, calling {@code invoker}. */
    private ActiveTrans round(String gid, Function<BranchCall, Outcome> invoker) {
        dtm.post(
                "/api/dtmsvr/prepare",
                Trans.msg(gid).step("http://busi/a", "{}").body());
        GlobalTrans g = dtm.server().store().findGlobal(gid).orElseThrow();
        ServerConfig config = ServerConfig.defaults();
        var ctx = new EngineContext(
                config,
                dtm.clock,
                dtm.server().store(),
                new Invoker() {
                    @Override
                    public Outcome call(BranchCall call) {
                        calls.add(call);
                        return invoker.apply(call);
                    }

                    @Override
                    public void close() {}
                },
                new Topics(dtm.server().store(), dtm.clock, dtm.json),
                new Metrics(Dtm4jServer.version()),
                new Alerts("", 0, null, Executors.newVirtualThreadPerTaskExecutor(), dtm.json),
                new Parking(dtm.server().store(), dtm.json, dtm.clock),
                Tracing.OFF,
                new BranchUrls(ServiceMethod::atFirstSlash, HostAllowlist.ANY),
                new Attempts(dtm.server().store(), dtm.json),
                dtm.json);
        return new ActiveTrans(ctx, g, TransOptions.NONE, List.of());
    }

    @Test
    void aCallMaySendDuringItsLeaseAndNotWithinASecondOfItsEnd() {
        List<Boolean> seen = new ArrayList<>();
        ActiveTrans round = round("leaseClock", call -> {
            Instant leaseEnd =
                    dtm.server().store().findGlobal("leaseClock").orElseThrow().nextCronTime();
            assertThat(leaseEnd).isAfter(dtm.clock.instant().plus(call.timeout()));
            seen.add(call.maySend().getAsBoolean());
            // the call waits (for a connection, or in a paused process) until near the lease's end
            dtm.clock.advance(Duration.between(dtm.clock.instant(), leaseEnd.minusMillis(1500)));
            seen.add(call.maySend().getAsBoolean());
            dtm.clock.advance(Duration.ofSeconds(1));
            seen.add(call.maySend().getAsBoolean());
            return Outcome.success("");
        });

        round.call("http://busi/check", "00", "msg", new byte[0]);

        assertThat(seen).containsExactly(true, true, false);
    }

    @Test
    void aCallOfARoundThatLostItsClaimMayNotSend() {
        ActiveTrans round = round("leaseLost", call -> Outcome.error("HTTP 500"));
        round.call("http://busi/check", "00", "msg", new byte[0]);
        BranchCall first = calls.getFirst();
        assertThat(first.maySend().getAsBoolean()).isTrue();

        // another node claims the transaction once its lease is over; this round's next write is fenced
        dtm.clock.advanceSeconds(60);
        Instant now = dtm.clock.instant();
        assertThat(dtm.server().store().claimDue(now, now.plusSeconds(600), "other-node", 10, now))
                .hasSize(1);
        assertThatThrownBy(() -> round.call("http://busi/check", "00", "msg", new byte[0]))
                .isInstanceOf(DtmException.class);
        assertThat(calls).hasSize(1);
        dtm.clock.advanceSeconds(-60);
        assertThat(first.maySend().getAsBoolean()).isFalse();
    }
}
