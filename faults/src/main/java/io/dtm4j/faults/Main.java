package io.dtm4j.faults;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar dtm4j-faults.jar [--store ...] [--nodes N] [--duration SECONDS] [--quick]}: runs
 * the fault-injection suite on each store named and ends with the line {@code faults: <T>
 * transactions, <F> faults, <L> lost, <D> applied twice, <U> unfinished}. Exits 0 when the checker
 * found no violation, 1 when it found one, 2 when the run itself could not be carried out.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("dtm4j-faults: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        System.out.println("dtm4j fault-injection suite: stores " + options.stores() + ", seed " + options.seed()
                + ", server " + options.serverJar());
        List<FaultRun.Result> results = new ArrayList<>();
        boolean violations = false;
        for (String store : options.stores()) {
            try {
                FaultRun.Result result = new FaultRun(options, store, System.out).run();
                Report.print(result, System.out);
                results.add(result);
                violations |= !result.verdict().clean();
            } catch (Exception e) {
                System.out.println("dtm4j-faults: the run on " + store + " could not be carried out: " + e);
                e.printStackTrace(System.out);
                System.exit(2);
            }
        }
        System.out.println(Report.total(results));
        System.exit(violations ? 1 : 0);
    }
}
