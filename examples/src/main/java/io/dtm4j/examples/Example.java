package io.dtm4j.examples;

import java.util.Optional;

/** One runnable example: a transfer of 30 cents from user 1 to user 2 in one transaction mode. */
interface Example {
    /** The name given on the command line, e.g. {@code http_saga}. */
    String name();

    /** One line saying what the example shows. */
    String summary();

    /** Why the example cannot run on a database of {@code kind}, or empty when it can. */
    default Optional<String> unsupported(Bank.Kind kind) {
        return Optional.empty();
    }

    /** Whether the example speaks gRPC: it then gets the gRPC client and the gRPC bank service. */
    default boolean grpc() {
        return false;
    }

    /**
     * Runs the transaction against the server, waits for its result and checks the balances.
     *
     * @throws ExampleFailedException when the outcome is not the expected one
     */
    void run(ExampleContext context) throws Exception;
}
