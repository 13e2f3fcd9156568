package io.dtm4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One run of the command line through its Java entry point, with what it printed. */
record ExampleRun(int exitStatus, String out, String err) {
    private static final Pattern GID = Pattern.compile("^global transaction (\\S+)$", Pattern.MULTILINE);

    static ExampleRun of(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(args, o, e);
        }
        return new ExampleRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The gid the example printed. */
    String gid() {
        Matcher m = GID.matcher(out);
        if (!m.find()) {
            throw new AssertionError("no gid printed:\n" + this);
        }
        return m.group(1);
    }

    @Override
    public String toString() {
        return "exit " + exitStatus + "\n--- out\n" + out + "--- err\n" + err;
    }
}
