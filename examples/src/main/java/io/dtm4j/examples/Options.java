package io.dtm4j.examples;

import java.nio.file.Path;

/**
 * The command line: {@code <name> [--dtm URL] [--dtm-grpc HOST:PORT] [--dtm-target URL] [--etcd
 * HOST:PORT] [--db JDBC-URL] [--amqp URI] [--nats URL] [--broker NAME]}.
 *
 * @param example the example's name, or {@code list}
 * @param dtm the server's API base URL
 * @param dtmGrpc the server's gRPC address, for the {@code grpc_} examples
 * @param dtmTarget the server's gRPC target in a registry, e.g. {@code etcd://localhost:2379/dtmservice};
 *     empty when not given, then {@code dtmGrpc} applies
 * @param etcd the etcd the {@code grpc_msg_etcd} bank registers in
 * @param db the JDBC URL of the business database
 * @param brokers where the broker examples consume, and the server's broker they name
 */
record Options(String example, String dtm, String dtmGrpc, String dtmTarget, String etcd, String db, Brokers brokers) {
    static final String DEFAULT_DTM = "http://localhost:36789/api/dtmsvr";
    static final String DEFAULT_DTM_GRPC = "localhost:36790";
    static final String DEFAULT_ETCD = "localhost:2379";

    static final String USAGE =
            """
            usage: java -jar dtm4j-examples.jar <name> [--dtm URL] [--dtm-grpc HOST:PORT] [--dtm-target URL]
                                                [--etcd HOST:PORT] [--db JDBC-URL]
                                                [--amqp URI] [--nats URL] [--broker NAME]
                   java -jar dtm4j-examples.jar list
              --dtm         the dtm4j (or dtm) server, default %s; the grpc_ examples
                            read the transaction's outcome there (the gRPC API has no query)
              --dtm-grpc    the server's gRPC API, for the grpc_ examples, default %s
              --dtm-target  the server's gRPC API found in a registry instead, e.g.
                            etcd://localhost:2379/dtmservice (a server registered with dtm-driver-gozero)
              --etcd        the etcd grpc_msg_etcd registers its bank service in, default %s
              --db   the business database: jdbc:sqlite:FILE, jdbc:postgresql://HOST/DB?user=U
                     or jdbc:mariadb://HOST/DB?user=U; default an SQLite file in the temp directory
              --amqp        the RabbitMQ http_msg_rabbitmq consumes from, default %s
              --nats        the NATS (JetStream) http_msg_nats consumes from, default %s
              --broker      the server's Brokers entry the message goes to, default rabbitmq
                            (http_msg_rabbitmq) or nats (http_msg_nats); docs/brokers.md
            """.formatted(DEFAULT_DTM, DEFAULT_DTM_GRPC, DEFAULT_ETCD, Brokers.DEFAULT_AMQP, Brokers.DEFAULT_NATS);

    /**
     * The broker examples' settings.
     *
     * @param amqp the RabbitMQ URI the consumer connects to
     * @param nats the NATS URL the consumer connects to
     * @param broker the name of the server's {@code Brokers} entry; empty for the example's default
     */
    record Brokers(String amqp, String nats, String broker) {
        static final String DEFAULT_AMQP = "amqp://guest:guest@localhost:5672/%2F";
        static final String DEFAULT_NATS = "nats://localhost:4222";
        static final Brokers DEFAULT = new Brokers(DEFAULT_AMQP, DEFAULT_NATS, "");

        /** The broker name to put in the branch URL: {@code --broker}, else {@code fallback}. */
        String brokerOr(String fallback) {
            return broker.isEmpty() ? fallback : broker;
        }
    }

    /** The default business database: an SQLite file in the temp directory, so nothing needs setting up. */
    static String defaultDb() {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "dtm4j-examples.db");
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException with the reason, for a missing name, an unknown option or a
     *     missing value
     */
    static Options parse(String... args) {
        String example = null;
        String dtm = DEFAULT_DTM;
        String dtmGrpc = DEFAULT_DTM_GRPC;
        String dtmTarget = "";
        String etcd = DEFAULT_ETCD;
        String db = defaultDb();
        String amqp = Brokers.DEFAULT_AMQP;
        String nats = Brokers.DEFAULT_NATS;
        String broker = "";
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--dtm" -> dtm = value(args, ++i, arg);
                case "--dtm-grpc" -> dtmGrpc = value(args, ++i, arg);
                case "--dtm-target" -> dtmTarget = value(args, ++i, arg);
                case "--etcd" -> etcd = value(args, ++i, arg);
                case "--db" -> db = value(args, ++i, arg);
                case "--amqp" -> amqp = value(args, ++i, arg);
                case "--nats" -> nats = value(args, ++i, arg);
                case "--broker" -> broker = value(args, ++i, arg);
                default -> {
                    if (arg.startsWith("-") || example != null) {
                        throw new IllegalArgumentException("unexpected argument '" + arg + "'");
                    }
                    example = arg;
                }
            }
        }
        if (example == null) {
            throw new IllegalArgumentException("name an example, or 'list'");
        }
        if (!dtmTarget.isEmpty() && !dtmTarget.contains("://")) {
            throw new IllegalArgumentException("--dtm-target takes a URL such as etcd://localhost:2379/dtmservice,"
                    + " not '" + dtmTarget + "' (a host:port goes to --dtm-grpc)");
        }
        return new Options(example, dtm, dtmGrpc, dtmTarget, etcd, db, new Brokers(amqp, nats, broker));
    }

    /** The target the gRPC examples dial: {@code --dtm-target} when given, else {@code --dtm-grpc}. */
    String grpcTarget() {
        return dtmTarget.isEmpty() ? dtmGrpc : dtmTarget;
    }

    /** The option that named {@link #grpcTarget}, for messages. */
    String grpcTargetOption() {
        return dtmTarget.isEmpty() ? "--dtm-grpc" : "--dtm-target";
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].isBlank()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
