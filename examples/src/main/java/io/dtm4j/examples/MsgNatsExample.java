package io.dtm4j.examples;

import io.dtm4j.client.Msg;
import io.dtm4j.client.broker.BarrierConsumer;
import io.dtm4j.client.broker.NatsMessages;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A two-phase message whose step is a NATS JetStream publish (docs/brokers.md): the local
 * transaction debits user 1 and commits with the message; the server publishes the transfer to a
 * subject that the stream {@value #STREAM} captures (acknowledged, Nats-Msg-Id set), and user 2's
 * bank pulls it and applies it inside the barrier. The first delivery is nak'ed after it was
 * applied, as if the consumer died before its ack: the barrier skips the redelivery.
 *
 * <p>The server needs a {@code Brokers} entry (default name {@code nats}, {@code --broker}) for the
 * same NATS this example consumes from ({@code --nats}), with JetStream enabled.
 */
final class MsgNatsExample implements Example {
    static final String STREAM = "DTM4J_EXAMPLES";
    static final String SUBJECTS = "dtm4j.examples";

    @Override
    public String name() {
        return "http_msg_nats";
    }

    @Override
    public String summary() {
        return "two-phase message: local TransOut, then the server publishes TransIn to NATS JetStream; a consumer credits";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid(); // the dtm server first: without it nothing else matters
        Connection nats;
        try {
            nats = Nats.connect(new Options.Builder()
                    .server(ctx.brokers().nats())
                    .connectionTimeout(Duration.ofSeconds(5))
                    .build());
        } catch (Exception e) {
            throw new ExampleFailedException("cannot reach NATS at "
                    + ctx.brokers().nats() + " (" + e + "); start it with -js, or pass its URL with --nats");
        }
        try (nats) {
            ensureStream(nats);
            String subject =
                    SUBJECTS + ".transin." + UUID.randomUUID().toString().substring(0, 8);
            transfer(ctx, gid, nats, subject);
        }
    }

    /** A file-backed stream on {@code dtm4j.examples.>}, made on first use and kept (JetStream's dedup window applies). */
    private static void ensureStream(Connection nats) throws Exception {
        var jsm = nats.jetStreamManagement();
        try {
            jsm.getStreamInfo(STREAM);
        } catch (JetStreamApiException missing) {
            jsm.addStream(StreamConfiguration.builder()
                    .name(STREAM)
                    .subjects(SUBJECTS + ".>")
                    .storageType(StorageType.File)
                    .maxAge(Duration.ofDays(1))
                    .build());
        }
    }

    private static void transfer(ExampleContext ctx, String gid, Connection nats, String subject) throws Exception {
        String url = "nats://" + ctx.brokers().brokerOr("nats") + "/" + subject;
        ctx.out().println("step: " + url);
        JetStreamSubscription sub = nats.jetStream()
                .subscribe(subject, PullSubscribeOptions.builder().build());
        Msg msg = ctx.dtm().msg(gid).add(url, TransferRequest.ok().json()).waitResult(true);
        ctx.submit(() ->
                msg.doAndSubmitDb(ctx.busi().queryPreparedUrl(), ctx.bank().dataSource(), tx -> {
                    Bank.adjustBalance(tx, BankService.FROM_USER, -TransferRequest.AMOUNT);
                    ctx.out().println("local transaction: transfer out " + TransferRequest.AMOUNT + " cents from 1");
                }));
        ctx.awaitStatus(gid, "succeed");

        var consumer = new BarrierConsumer(ctx.bank().dataSource());
        for (int delivery = 1; delivery <= 2; delivery++) {
            List<Message> got = sub.fetch(1, ctx.resultTimeout());
            if (got.isEmpty()) {
                throw new ExampleFailedException("the server published " + gid + " but nothing arrived on " + subject
                        + ": does the server's Brokers entry '" + ctx.brokers().brokerOr("nats") + "' point at "
                        + ctx.brokers().nats() + "?");
            }
            Message m = got.get(0);
            TransferRequest t = TransferRequest.parse(new String(m.getData(), StandardCharsets.UTF_8));
            String id = m.getHeaders().getFirst("Nats-Msg-Id");
            boolean applied = consumer.handle(NatsMessages.headers(m), m.getData(), (tx, body) -> {
                Bank.adjustBalance(tx, BankService.TO_USER, t.amount());
                ctx.out().println("[bank] consumed " + id + ": transfer in " + t.amount() + " cents to 2");
            });
            if (delivery == 1) {
                ctx.out().println("[bank] nak'ed it unacknowledged, as a consumer dying before its ack would");
                m.nak();
            } else {
                if (!applied) {
                    ctx.out().println("[bank] barrier: skipped the redelivered " + id + ", already applied");
                }
                m.ack();
            }
        }
        sub.unsubscribe();
        ctx.expectTransferred();
    }
}
