package io.dtm4j.examples.boot;

import io.dtm4j.client.DtmClient;
import io.dtm4j.examples.boot.accounts.Accounts;
import io.dtm4j.examples.boot.app.TransferApplication;
import io.dtm4j.examples.boot.bank.BankApplication;
import io.dtm4j.spring.DtmBarrier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The transfer of 30 cents from user 1 to user 2 with Spring Boot: {@code java -jar
 * dtm4j-spring-boot-example.jar <mode> [--dtm URL] [--db JDBC-URL]}. Starts the bank of user 1 and
 * the bank of user 2 (two Spring MVC services on free loopback ports) and the application (no web
 * server), runs one global transaction against the server, and checks the balances. Exits 0 when
 * they are right, 1 when not (or when it could not run), 2 for a wrong command line.
 */
public final class Main {
    static final String DEFAULT_DTM = "http://localhost:36789/api/dtmsvr";
    static final List<String> MODES = List.of("http_saga_barrier", "http_msg_doAndSubmitDb", "http_tcc_barrier");
    private static final Map<String, Object> PAYLOAD = Map.of("amount", 30);
    private static final Duration RESULT_TIMEOUT = Duration.ofSeconds(30);

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static String usage() {
        return "usage: java -jar dtm4j-spring-boot-example.jar <mode> [--dtm URL] [--db JDBC-URL]\n"
                + "  modes: " + String.join(", ", MODES) + "\n"
                + "  --dtm  the dtm4j (or dtm) server, default " + DEFAULT_DTM + "\n"
                + "  --db   the banks' database (jdbc:sqlite:FILE, jdbc:postgresql://HOST/DB?user=U,\n"
                + "         jdbc:mariadb://HOST/DB?user=U); default an SQLite file in the temp directory\n";
    }

    /** Runs the command line {@code args}; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        String mode = null;
        String dtm = DEFAULT_DTM;
        String db = "jdbc:sqlite:" + Path.of(System.getProperty("java.io.tmpdir"), "dtm4j-spring-boot-example.db");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dtm", "--db" -> {
                    if (i + 1 >= args.length) {
                        err.print(args[i] + " needs a value\n" + usage());
                        return 2;
                    }
                    if (args[i].equals("--dtm")) {
                        dtm = args[++i];
                    } else {
                        db = args[++i];
                    }
                }
                default -> {
                    if (mode != null || !MODES.contains(args[i])) {
                        err.print("unexpected argument '" + args[i] + "'\n" + usage());
                        return 2;
                    }
                    mode = args[i];
                }
            }
        }
        if (mode == null) {
            err.print(usage());
            return 2;
        }
        out.println(mode + ": dtm server " + dtm + ", database " + db);
        try (ConfigurableApplicationContext app =
                        start(TransferApplication.class, WebApplicationType.NONE, dtm, db, 0);
                ConfigurableApplicationContext bank1 =
                        start(BankApplication.class, WebApplicationType.SERVLET, dtm, db, 1);
                ConfigurableApplicationContext bank2 =
                        start(BankApplication.class, WebApplicationType.SERVLET, dtm, db, 2)) {
            Accounts accounts = app.getBean(Accounts.class);
            accounts.reset();
            out.println("users 1 and 2 start with " + Accounts.INITIAL_BALANCE + " cents each");
            String out1 = busi(bank1);
            String in2 = busi(bank2);
            DtmClient client = app.getBean(DtmClient.class);
            String gid = client.newGid();
            out.println("global transaction " + gid);
            transfer(mode, client, app.getBean(DtmBarrier.class), accounts, out1, in2, gid, out);
            String status = awaitFinal(client, gid);
            out.println("transaction " + gid + ": " + status);
            long user1 = accounts.balance(1);
            long user2 = accounts.balance(2);
            long booked = accounts.tradingBalance(1) + accounts.tradingBalance(2);
            out.println("balances: user 1 has " + user1 + " cents, user 2 has " + user2 + " cents");
            if (status.equals("succeed")
                    && user1 == Accounts.INITIAL_BALANCE - 30
                    && user2 == Accounts.INITIAL_BALANCE + 30
                    && booked == 0) {
                out.println("OK: " + mode + " ended as expected");
                return 0;
            }
            err.println("FAILED: expected 'succeed' with " + (Accounts.INITIAL_BALANCE - 30) + " and "
                    + (Accounts.INITIAL_BALANCE + 30) + " cents and nothing booked");
            return 1;
        } catch (Exception e) {
            err.println("FAILED: " + e);
            return 1;
        }
    }

    private static void transfer(
            String mode,
            DtmClient dtm,
            DtmBarrier barrier,
            Accounts accounts,
            String out1,
            String in2,
            String gid,
            PrintStream out) {
        switch (mode) {
            case "http_saga_barrier" ->
                dtm.saga(gid)
                        .add(out1 + "/TransOut", out1 + "/TransOutCompensate", PAYLOAD)
                        .add(in2 + "/TransIn", in2 + "/TransInCompensate", PAYLOAD)
                        .waitResult(true)
                        .submit();
            case "http_msg_doAndSubmitDb" ->
                barrier.doAndSubmit(
                        dtm.msg(gid).add(in2 + "/TransIn", PAYLOAD).waitResult(true), out1 + "/QueryPrepared", () -> {
                            accounts.adjustBalance(1, -30);
                            out.println("local transaction: transfer out 30 cents from 1, committed with the message");
                        });
            case "http_tcc_barrier" ->
                dtm.tccGlobalTransaction(gid, tcc -> tcc.waitResult(true), tcc -> {
                    tcc.callBranch(PAYLOAD, out1 + "/TransOutTry", out1 + "/TransOutConfirm", out1 + "/TransOutCancel");
                    tcc.callBranch(PAYLOAD, in2 + "/TransInTry", in2 + "/TransInConfirm", in2 + "/TransInCancel");
                });
            default -> throw new IllegalArgumentException(mode);
        }
        out.println("submitted: the server answered SUCCESS");
    }

    private static String awaitFinal(DtmClient dtm, String gid) throws InterruptedException {
        long deadline = System.nanoTime() + RESULT_TIMEOUT.toNanos();
        String status = dtm.status(gid);
        while (!Set.of("succeed", "failed").contains(status) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = dtm.status(gid);
        }
        return status;
    }

    /** Starts one of the three Spring Boot applications: the app (user 0: none) or the bank of {@code user}. */
    private static ConfigurableApplicationContext start(
            Class<?> application, WebApplicationType web, String dtm, String db, int user) {
        return new SpringApplicationBuilder(application)
                .web(web)
                .properties(
                        "spring.datasource.url=" + db,
                        "dtm4j.server=" + dtm,
                        "dtm4j.barrier.create-table=" + (user == 0),
                        "bank.user=" + user,
                        "server.address=127.0.0.1",
                        "server.port=0")
                .run();
    }

    private static String busi(ConfigurableApplicationContext bank) {
        return "http://127.0.0.1:" + bank.getEnvironment().getProperty("local.server.port") + "/api/busi";
    }
}
