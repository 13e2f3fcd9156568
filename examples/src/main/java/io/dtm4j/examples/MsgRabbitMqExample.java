package io.dtm4j.examples;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DeliverCallback;
import io.dtm4j.client.Msg;
import io.dtm4j.client.broker.AmqpMessages;
import io.dtm4j.client.broker.BarrierConsumer;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A two-phase message whose step is a RabbitMQ publish (docs/brokers.md): the local transaction
 * debits user 1 and commits with the message; the server then publishes the transfer to a queue
 * (confirmed, persistent) instead of calling an HTTP service, and user 2's bank consumes it inside
 * the barrier. The first delivery is requeued after it was applied, as if the consumer died before
 * its ack: the barrier skips the redelivery, so user 2 is credited once.
 *
 * <p>The server needs a {@code Brokers} entry (default name {@code rabbitmq}, {@code --broker}) for
 * the same RabbitMQ this example consumes from ({@code --amqp}).
 */
final class MsgRabbitMqExample implements Example {
    @Override
    public String name() {
        return "http_msg_rabbitmq";
    }

    @Override
    public String summary() {
        return "two-phase message: local TransOut, then the server publishes TransIn to RabbitMQ; a consumer credits";
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid(); // the dtm server first: without it nothing else matters
        var factory = new ConnectionFactory();
        factory.setUri(ctx.brokers().amqp());
        factory.setConnectionTimeout(5000);
        com.rabbitmq.client.Connection rabbit;
        try {
            rabbit = factory.newConnection("dtm4j-example");
        } catch (Exception e) {
            throw new ExampleFailedException("cannot reach RabbitMQ at "
                    + ctx.brokers().amqp() + " (" + e + "); start it, or pass its URI with --amqp");
        }
        String queue = "dtm4j-example-transin-" + UUID.randomUUID().toString().substring(0, 8);
        try (rabbit;
                Channel channel = rabbit.createChannel()) {
            channel.queueDeclare(queue, true, false, false, Map.of()); // durable: the publish is persistent
            try {
                transfer(ctx, gid, channel, queue);
            } finally {
                channel.queueDelete(queue);
            }
        }
    }

    private static void transfer(ExampleContext ctx, String gid, Channel channel, String queue) throws Exception {
        // the default exchange routes the key to the queue of that name
        String url = "amqp://" + ctx.brokers().brokerOr("rabbitmq") + "?routing_key=" + queue;
        ctx.out().println("step: " + url);
        var consumer = new BarrierConsumer(ctx.bank().dataSource());
        BlockingQueue<String> handled = new LinkedBlockingQueue<>();
        DeliverCallback deliver = (tag, m) -> {
            long delivery = m.getEnvelope().getDeliveryTag();
            try {
                TransferRequest t =
                        TransferRequest.parse(new String(m.getBody(), java.nio.charset.StandardCharsets.UTF_8));
                boolean applied = consumer.handle(AmqpMessages.headers(m.getProperties()), m.getBody(), (tx, body) -> {
                    Bank.adjustBalance(tx, BankService.TO_USER, t.amount());
                    ctx.out()
                            .println("[bank] consumed " + m.getProperties().getMessageId() + ": transfer in "
                                    + t.amount() + " cents to 2");
                });
                if (applied && !m.getEnvelope().isRedeliver()) {
                    ctx.out().println("[bank] requeued it unacknowledged, as a consumer dying before its ack would");
                    channel.basicNack(delivery, false, true);
                    return;
                }
                if (!applied) {
                    ctx.out()
                            .println("[bank] barrier: skipped the redelivered "
                                    + m.getProperties().getMessageId() + ", already applied");
                }
                channel.basicAck(delivery, false);
                handled.add(m.getProperties().getMessageId());
            } catch (Exception e) {
                ctx.out().println("[bank] not applied, requeued: " + e);
                channel.basicNack(delivery, false, true);
            }
        };
        String consumerTag = channel.basicConsume(queue, false, deliver, tag -> {});
        try {
            Msg msg = ctx.dtm().msg(gid).add(url, TransferRequest.ok().json()).waitResult(true);
            ctx.submit(() ->
                    msg.doAndSubmitDb(ctx.busi().queryPreparedUrl(), ctx.bank().dataSource(), tx -> {
                        Bank.adjustBalance(tx, BankService.FROM_USER, -TransferRequest.AMOUNT);
                        ctx.out()
                                .println("local transaction: transfer out " + TransferRequest.AMOUNT + " cents from 1");
                    }));
            ctx.awaitStatus(gid, "succeed");
            String done = handled.poll(ctx.resultTimeout().toSeconds(), TimeUnit.SECONDS);
            if (done == null) {
                throw new ExampleFailedException("the server published " + gid + " but nothing was consumed from "
                        + queue + " in " + ctx.resultTimeout().toSeconds() + " s: does the server's Brokers entry '"
                        + ctx.brokers().brokerOr("rabbitmq") + "' point at "
                        + ctx.brokers().amqp() + "?");
            }
        } finally {
            channel.basicCancel(consumerTag);
        }
        ctx.expectTransferred();
    }
}
