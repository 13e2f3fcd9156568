package io.dtm4j.examples;

import java.nio.file.Path;

/**
 * The command line: {@code <name> [--dtm URL] [--db JDBC-URL]}.
 *
 * @param example the example's name, or {@code list}
 * @param dtm the server's API base URL
 * @param db the JDBC URL of the business database
 */
record Options(String example, String dtm, String db) {
    static final String DEFAULT_DTM = "http://localhost:36789/api/dtmsvr";

    static final String USAGE = """
            usage: java -jar dtm4j-examples.jar <name> [--dtm URL] [--db JDBC-URL]
                   java -jar dtm4j-examples.jar list
              --dtm  the dtm4j (or dtm) server, default %s
              --db   the business database: jdbc:sqlite:FILE, jdbc:postgresql://HOST/DB?user=U
                     or jdbc:mariadb://HOST/DB?user=U; default an SQLite file in the temp directory
            """.formatted(DEFAULT_DTM);

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
        String db = defaultDb();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--dtm" -> dtm = value(args, ++i, arg);
                case "--db" -> db = value(args, ++i, arg);
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
        return new Options(example, dtm, db);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].isBlank()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
