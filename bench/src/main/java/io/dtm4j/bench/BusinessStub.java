package io.dtm4j.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.atomic.LongAdder;

/** A business service that answers every request at once with 200 {"dtm_result":"SUCCESS"}. */
final class BusinessStub {
    private static final Buffer SUCCESS = Buffer.buffer("{\"dtm_result\":\"SUCCESS\"}");

    private final LongAdder calls = new LongAdder();
    private HttpServer server;

    /** Listens on 127.0.0.1 at a free port; the future holds the port. */
    Future<Integer> start(Vertx vertx) {
        server = vertx.createHttpServer(
                new HttpServerOptions().setHost("127.0.0.1").setPort(0));
        // Answer once the request body has been read, so the connection stays reusable.
        server.requestHandler(req -> req.end().onComplete(done -> {
            calls.increment();
            req.response().putHeader("content-type", "application/json").end(SUCCESS);
        }));
        return server.listen().map(HttpServer::actualPort);
    }

    long calls() {
        return calls.sum();
    }

    Future<Void> stop() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
