package io.dtm4j.examples;

import io.dtm4j.client.DtmFailureException;
import java.util.Optional;

/**
 * XA: the application calls each bank's branch; the bank does its work in a local XA transaction,
 * registers the branch with the server and leaves it prepared. Then the application submits and the
 * server commits every branch. In the rollback variant TransIn fails in phase one, so the
 * application aborts and the server rolls back TransOut's prepared transaction. Over HTTP or, with
 * the gRPC bank, entirely over gRPC (the bank registers its branches through the server's gRPC API).
 * Needs a database with two-phase commit: PostgreSQL or MariaDB/MySQL.
 */
final class XaExample implements Example {
    private final boolean grpc;
    private final boolean rollback;

    XaExample(boolean grpc, boolean rollback) {
        this.grpc = grpc;
        this.rollback = rollback;
    }

    @Override
    public String name() {
        return (grpc ? "grpc_xa" : "http_xa") + (rollback ? "_rollback" : "");
    }

    @Override
    public boolean grpc() {
        return grpc;
    }

    @Override
    public String summary() {
        String xa = grpc ? "XA over gRPC" : "XA";
        return rollback
                ? xa + ": TransIn fails in phase one -> the app aborts, the server rolls back (PostgreSQL/MariaDB)"
                : xa + ": both banks prepare local XA transactions, the server commits them (PostgreSQL/MariaDB)";
    }

    @Override
    public Optional<String> unsupported(Bank.Kind kind) {
        return kind == Bank.Kind.SQLITE
                ? Optional.of("XA needs a database with two-phase commit; pass --db"
                        + " jdbc:postgresql://localhost:5432/test?user=postgres (with max_prepared_transactions > 0)"
                        + " or --db jdbc:mariadb://localhost:3306/test?user=root")
                : Optional.empty();
    }

    @Override
    public void run(ExampleContext ctx) throws Exception {
        String gid = ctx.newGid();
        String payload = (rollback ? TransferRequest.transInFails() : TransferRequest.ok()).json();
        String transOut = grpc ? ctx.grpcBusi().url("TransOutXa") : ctx.busi().xaUrl("TransOut");
        String transIn = grpc ? ctx.grpcBusi().url("TransInXa") : ctx.busi().xaUrl("TransIn");
        try {
            (grpc ? ctx.grpc() : ctx.dtm()).xaGlobalTransaction(gid, xa -> xa.waitResult(true), xa -> {
                xa.callBranch(payload, transOut);
                xa.callBranch(payload, transIn);
            });
            ctx.out().println("submitted: the server committed every branch");
        } catch (DtmFailureException e) {
            ctx.out().println("a branch failed: the application aborted the transaction");
        }
        ctx.awaitStatus(gid, rollback ? "failed" : "succeed");
        if (rollback) {
            ctx.expectUnchanged();
        } else {
            ctx.expectTransferred();
        }
    }
}
