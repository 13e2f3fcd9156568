package io.dtm4j.server;

import io.dtm4j.server.config.CommandLine;
import io.dtm4j.server.config.ConfigException;
import io.dtm4j.server.config.ConfigLoader;
import io.dtm4j.server.config.Logging;
import io.dtm4j.server.config.ServerConfig;
import io.dtm4j.server.store.jdbc.SqlDialect;
import java.net.BindException;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;

/** Starts the server: {@code java -jar dtm4j-server.jar [-c conf.yml] [-d] [-v] [-h] [--print-ddl postgres|mysql]}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        CommandLine cli;
        ServerConfig config;
        try {
            cli = CommandLine.parse(args);
            if (cli.help()) {
                System.out.println(CommandLine.usage());
                return;
            }
            if (cli.version()) {
                System.out.println(Dtm4jServer.version());
                return;
            }
            config = ConfigLoader.load(cli.configFile(), System.getenv());
            if (cli.printDdl() != null) {
                SqlDialect dialect = SqlDialect.forDriver(cli.printDdl());
                System.out.print(dialect.ddl(
                        dialect.namespace(config.store().db(), config.store().schema())));
                return;
            }
            if (cli.debug()) {
                config = config.withLogLevel("debug");
            }
        } catch (CommandLine.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        } catch (ConfigException e) {
            System.err.println("dtm4j: invalid configuration:");
            e.problems().forEach(p -> System.err.println("  " + p));
            System.exit(2);
            return;
        }
        Logging.apply(config.logLevel());
        Logging.format(config.logFormat());
        Dtm4jServer server;
        try {
            server = Dtm4jServer.start(config, Clock.systemDefaultZone(), true);
        } catch (RuntimeException e) {
            System.err.println("dtm4j: cannot start: " + e.getMessage());
            if (portInUse(e)) {
                // not the previous server's connections in TIME_WAIT: the listeners set SO_REUSEADDR for those
                System.err.printf(
                        "  another process listens on it, or, if it lies in the OS's ephemeral port range (Linux:"
                                + " net.ipv4.ip_local_port_range), an outgoing connection was given it as its local"
                                + " port; reserve the ports then, e.g. sysctl -w net.ipv4.ip_local_reserved_ports=%d,%d%n",
                        config.httpPort(), config.grpcPort());
            }
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            stopped.countDown();
                        },
                        "dtm4j-shutdown"));
        stopped.await();
    }

    /** Whether a listener found its port taken: a BindException from the JDK, only the text from Netty's epoll. */
    private static boolean portInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }
}
