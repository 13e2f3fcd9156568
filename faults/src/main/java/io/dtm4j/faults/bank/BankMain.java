package io.dtm4j.faults.bank;

import io.dtm4j.client.barrier.BarrierSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;

/**
 * A bank process of the fault suite: {@code BankMain --name A --db <jdbc url> --http-port N
 * --grpc-port M --calls <file> [--unsafe-barrier]}. Serves HTTP and gRPC on fixed loopback ports
 * (the server keeps the branch URLs, so a bank restarted after kill -9 comes back on the same
 * ports), then prints {@code bank <name> ready} on stdout. The database must have been made with
 * {@link BankDatabase#create}; the bank never resets it.
 */
public final class BankMain {
    /** The command line. */
    public record Options(String name, String db, int httpPort, int grpcPort, Path calls, boolean unsafeBarrier) {
        /**
         * Parses the flags above.
         *
         * @throws IllegalArgumentException for an unknown or missing flag
         */
        public static Options parse(String... args) {
            String name = null;
            String db = null;
            Integer http = null;
            Integer grpc = null;
            Path calls = null;
            boolean unsafe = false;
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--unsafe-barrier")) {
                    unsafe = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String value = args[++i];
                switch (flag) {
                    case "--name" -> name = value;
                    case "--db" -> db = value;
                    case "--http-port" -> http = Integer.parseInt(value);
                    case "--grpc-port" -> grpc = Integer.parseInt(value);
                    case "--calls" -> calls = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown flag " + flag);
                }
            }
            if (name == null || db == null || http == null || grpc == null || calls == null) {
                throw new IllegalArgumentException("usage: BankMain --name A --db <jdbc url> --http-port N"
                        + " --grpc-port M --calls <file> [--unsafe-barrier]");
            }
            return new Options(name, db, http, grpc, calls, unsafe);
        }
    }

    /** A started bank; {@link #close} stops both servers and the call log. */
    public static final class Running implements AutoCloseable {
        private final CallLog log;
        private final HttpBank http;
        private final GrpcBank grpc;

        private Running(CallLog log, HttpBank http, GrpcBank grpc) {
            this.log = log;
            this.http = http;
            this.grpc = grpc;
        }

        public int httpPort() {
            return http.port();
        }

        public int grpcPort() {
            return grpc.port();
        }

        @Override
        public void close() throws IOException {
            grpc.close();
            http.close();
            log.close();
        }
    }

    private BankMain() {}

    /** Starts a bank in this JVM (port 0 picks a free port). */
    public static Running start(Options options) throws IOException, SQLException {
        DataSource db = BankDatabase.open(options.db());
        BarrierSchema.create(db); // a no-op once the database was created, and a check that it is reachable
        CallLog log = new CallLog(options.calls());
        Bank bank = new Bank(db, options.unsafeBarrier(), log, new Chaos());
        HttpBank http = null;
        try {
            http = new HttpBank(bank, options.httpPort());
            return new Running(log, http, new GrpcBank(bank, options.grpcPort()));
        } catch (IOException | RuntimeException e) {
            if (http != null) {
                http.close();
            }
            log.close();
            throw e;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Running bank = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                bank.close();
            } catch (IOException e) {
                // stopping anyway
            }
        }));
        System.out.println("bank " + options.name() + " ready");
        System.out.flush();
        new CountDownLatch(1).await(); // serve until killed
    }
}
