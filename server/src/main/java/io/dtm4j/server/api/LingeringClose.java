package io.dtm4j.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request was refused without resetting it under the answer. The decoder
 * refuses a request as soon as it has read past a limit, while the client may still be sending the
 * rest (a request line of hundreds of KiB); closing a socket with unread input makes the kernel
 * reset the connection, and the reset discards the answer before the client reads it (found by the
 * fuzzer). So a close of such a connection first flushes the answer, shuts down the output only
 * (the client reads the answer and then end of stream), and reads and discards the client's input
 * until the client closes, for at most {@link #LINGER_MILLIS} and {@link #LINGER_BYTES}; then it
 * closes.
 *
 * <p>It sits first in the pipeline (next to the socket): it sees every close, whoever asks for it
 * (Vert.x closes a connection whose request the decoder refused), and input never reaches the
 * decoder again.
 */
final class LingeringClose extends ChannelDuplexHandler {
    static final long LINGER_MILLIS = 2000;
    /** Twice the largest accepted body: a refused request may still be sending one. */
    static final long LINGER_BYTES = 8L << 20;

    private long discarded;
    private ScheduledFuture<?> deadline;

    private LingeringClose() {}

    /**
     * Makes the coming close of {@code connection} linger. Vert.x offers no public access to the
     * channel; where its internal connection class is not there, the close stays a plain close.
     */
    static void install(HttpConnection connection) {
        if (connection instanceof ConnectionBase base) {
            base.channel().pipeline().addFirst(new LingeringClose());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // the request was refused: whatever follows is discarded
        discarded += msg instanceof ByteBuf buf ? buf.readableBytes() : 0;
        ReferenceCountUtil.release(msg);
        if (discarded > LINGER_BYTES) {
            ctx.close();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        Channel channel = ctx.channel();
        if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
            ctx.close(promise);
            return;
        }
        // the caller learns of the close when it happens; a close comes twice (Vert.x closes after
        // the answer to a refused request, and HttpApi.invalidRequest closes too)
        channel.closeFuture().addListener(f -> promise.trySuccess());
        if (deadline != null) {
            return;
        }
        deadline = ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        // an empty write completes after the answer written before it: only then shut down the
        // output, which would drop unwritten data
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> duplex.shutdownOutput());
        // reading may be paused: resume it, so the input is drained; the client's end of stream then
        // closes the channel (half-closure is off)
        channel.config().setAutoRead(true);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (deadline != null) {
            deadline.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
