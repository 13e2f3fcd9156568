package io.dtm4j.server.invoke;

import io.dtm4j.server.invoke.broker.BrokerUrl;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Picks the transport of each call from the transaction's protocol and the URL (docs/protocol.md §6.1)
 * and hands the call to the invoker registered for it. Transports are keyed by {@link #HTTP},
 * {@link #JSON_RPC}, {@link #GRPC} and {@link #BROKER}; a call whose transport has no invoker is a transient error.
 */
public final class ProtocolInvoker implements Invoker {
    public static final String HTTP = "http";
    public static final String JSON_RPC = "json-rpc";
    public static final String GRPC = "grpc";
    /** Publishes to a message broker the URL names (docs/brokers.md), whatever the protocol. */
    public static final String BROKER = "broker";

    private final Map<String, Invoker> transports;

    /** Takes ownership of the invokers: {@link #close} closes each of them once. */
    public ProtocolInvoker(Map<String, Invoker> transports) {
        this.transports = Map.copyOf(transports);
    }

    /**
     * Returns the transport of a call to {@code url} in a transaction of {@code protocol}: HTTP for
     * {@code http} (or empty) transactions and for any {@code http://} or {@code https://} URL,
     * except JSON-RPC for a {@code json-rpc} transaction whose URL names a {@code method}; gRPC
     * otherwise, so a gRPC transaction may mix in HTTP steps. An {@code amqp://}, {@code nats://} or
     * {@code kafka://} URL goes to a broker in any transaction; an HTTP URL never pays for that test.
     */
    public static String transport(String protocol, String url) {
        boolean httpUrl = url.startsWith("http://") || url.startsWith("https://");
        if (!httpUrl && BrokerUrl.isBrokerUrl(url)) {
            return BROKER;
        }
        if (protocol.isEmpty() || protocol.equals(HTTP) || httpUrl) {
            return protocol.equals(JSON_RPC) && url.contains("method") ? JSON_RPC : HTTP;
        }
        return GRPC;
    }

    @Override
    public Outcome call(BranchCall call) {
        if (call.url().isEmpty()) {
            return Outcome.success(""); // an empty URL (e.g. no compensation) succeeds without a call
        }
        String transport = transport(call.protocol(), call.url());
        Invoker invoker = transports.get(transport);
        if (invoker == null) {
            return Outcome.error("this server cannot call " + transport + " services (url '" + call.url()
                    + "', protocol '" + call.protocol() + "')");
        }
        return invoker.call(call);
    }

    @Override
    public void close() {
        Set<Invoker> distinct = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(transports.values());
        distinct.forEach(Invoker::close);
    }
}
