package io.dtm4j.examples;

import io.dtm4j.client.DtmClient;
import io.dtm4j.client.DtmException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs one example: {@code java -jar dtm4j-examples.jar <name> [--dtm URL] [--dtm-grpc HOST:PORT]
 * [--dtm-target URL] [--etcd HOST:PORT] [--db JDBC-URL] [--amqp URI] [--nats URL] [--broker NAME]}, or
 * {@code list}. Exits 0 when the transaction ended as expected with the right balances, 1 when it
 * did not (or could not run), 2 for a wrong command line.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    /** How long an example waits for the server to finish its transaction. */
    private static final Duration RESULT_TIMEOUT = Duration.ofSeconds(30);

    private Main() {}

    /** Runs the command line {@code args} and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.print(Options.USAGE);
            return USAGE;
        }
        if (options.example().equals("list")) {
            Examples.all().forEach(e -> out.printf("%-22s %s%n", e.name(), e.summary()));
            return OK;
        }
        Optional<Example> example = Examples.find(options.example());
        if (example.isEmpty()) {
            err.println("no example is called '" + options.example() + "'; 'list' prints their names");
            return USAGE;
        }
        Bank bank;
        try {
            bank = Bank.open(options.db());
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return USAGE;
        } catch (SQLException e) {
            err.println("FAILED: cannot open the business database " + options.db() + ": " + e.getMessage());
            return FAILED;
        }
        return run(example.get(), options, bank, out, err);
    }

    private static int run(Example example, Options options, Bank bank, PrintStream out, PrintStream err) {
        Optional<String> unsupported = example.unsupported(bank.kind());
        if (unsupported.isPresent()) {
            err.println("FAILED: " + example.name() + " cannot run on " + bank.url() + ": " + unsupported.get());
            return FAILED;
        }
        out.println(example.name() + ": " + example.summary());
        out.println("dtm server: " + options.dtm());
        out.println("business database: " + bank.url());
        try {
            bank.prepare();
        } catch (SQLException e) {
            err.println("FAILED: cannot prepare the business database " + bank.url() + ": " + e.getMessage());
            return FAILED;
        }
        out.println("users 1 and 2 start with " + Bank.INITIAL_BALANCE + " cents each");
        try (BankService busi = new BankService(bank, out);
                GrpcBankService grpcBusi = example.grpc() ? new GrpcBankService(bank, out) : null;
                DtmClient grpc = example.grpc() ? DtmClient.grpc(options.grpcTarget()) : null) {
            if (example.grpc()) {
                out.println("dtm server, gRPC: " + options.grpcTarget());
            }
            DtmClient dtm = DtmClient.of(options.dtm());
            example.run(new ExampleContext(
                    dtm, grpc, bank, busi, grpcBusi, options.etcd(), out, RESULT_TIMEOUT, options.brokers()));
            out.println("OK: " + example.name() + " ended as expected");
            return OK;
        } catch (ExampleFailedException e) {
            err.println("FAILED: " + e.getMessage());
        } catch (DtmException e) {
            if (e.getCause() instanceof ConnectException) {
                err.println("FAILED: cannot reach the dtm server at " + options.dtm() + " (" + e.getMessage()
                        + "); start it with bin/dtm4j, or pass its address with --dtm");
            } else if (e.getCause() instanceof StatusRuntimeException s
                    && s.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                err.println("FAILED: cannot reach the dtm server at " + options.grpcTarget() + " (" + e.getMessage()
                        + "); start it with bin/dtm4j, or pass its gRPC address with " + options.grpcTargetOption());
            } else {
                err.println("FAILED: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("FAILED: interrupted");
        } catch (Exception e) {
            err.println("FAILED: " + e);
        }
        return FAILED;
    }
}
