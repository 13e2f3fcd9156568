package io.dtm4j.client.barrier;

import io.dtm4j.client.DtmException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The barrier table's DDL, shipped with the SDK for PostgreSQL, MySQL/MariaDB and SQLite. The table
 * matches dtm's ({@code uniq_barrier} on gid, branch_id, op, barrier_id), so a table created by dtm's
 * scripts works as it is.
 *
 * <p>For a demo without any set-up, an SQLite file is enough:
 *
 * <pre>{@code
 * SQLiteDataSource db = new SQLiteDataSource();
 * db.setUrl("jdbc:sqlite:demo.db");
 * BarrierSchema.create(db); // table dtm_barrier_barrier, see SqlDialect.SQLITE
 * BranchBarrier.fromQuery(query).callWithDb(db, tx -> ...);
 * }</pre>
 *
 * <p>SQLite lets one writer in at a time; concurrent branch calls wait for each other's commit up to
 * the busy timeout (sqlite-jdbc: 3 s unless {@code SQLiteConfig.setBusyTimeout} says otherwise).
 *
 * <p>DBAs can print the script instead: {@code java -cp dtm4j-client.jar
 * io.dtm4j.client.barrier.BarrierSchema postgres [schema.table]}.
 */
public final class BarrierSchema {
    /** An optional qualifier (schema or database) and a table name, each a plain SQL identifier. */
    private static final Pattern TABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_$]*\\.)?[A-Za-z_][A-Za-z0-9_$]*");

    private BarrierSchema() {}

    /**
     * Creates the barrier table {@value BranchBarrier#DEFAULT_TABLE} (and its schema, database or
     * sequence) in {@code db} unless it exists; safe to call at every start, also from several
     * processes at once.
     *
     * @throws DtmException when the database refuses, e.g. for lack of privileges
     */
    public static void create(DataSource db) {
        create(db, BranchBarrier.DEFAULT_TABLE);
    }

    /** Like {@link #create(DataSource)} for the table {@code table}, e.g. {@code myschema.barrier}. */
    public static void create(DataSource db, String table) {
        requireValidTable(table);
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            for (String sql : statements(SqlDialect.of(c), table)) {
                executeIdempotent(s, sql);
            }
        } catch (SQLException e) {
            throw new DtmException("cannot create the barrier table " + table + ": " + e.getMessage(), e);
        }
    }

    /** The script that creates {@value BranchBarrier#DEFAULT_TABLE} on {@code dialect}, for DBAs. */
    public static String ddl(SqlDialect dialect) {
        return ddl(dialect, BranchBarrier.DEFAULT_TABLE);
    }

    /** The script that creates {@code table} on {@code dialect}, for DBAs. */
    public static String ddl(SqlDialect dialect, String table) {
        return String.join(";\n\n", statements(dialect, table)) + ";\n";
    }

    /**
     * Prints the script: arguments {@code postgres|mysql|sqlite} and optionally the table name
     * (default {@value BranchBarrier#DEFAULT_TABLE}).
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println(
                    "usage: BarrierSchema postgres|mysql|sqlite [table, default " + BranchBarrier.DEFAULT_TABLE + "]");
            System.exit(2);
        }
        SqlDialect dialect = switch (args[0].toLowerCase(Locale.ROOT)) {
            case "postgres", "postgresql" -> SqlDialect.POSTGRES;
            case "mysql", "mariadb" -> SqlDialect.MYSQL;
            case "sqlite" -> SqlDialect.SQLITE;
            default ->
                throw new IllegalArgumentException("unknown database '" + args[0] + "' (postgres, mysql, sqlite)");
        };
        System.out.print(ddl(dialect, args.length == 2 ? args[1] : BranchBarrier.DEFAULT_TABLE));
    }

    /** The DDL statements for {@code table}; the schema statement is left out for an unqualified name. */
    static List<String> statements(SqlDialect dialect, String table) {
        requireValidTable(table);
        String physical = dialect.physicalTable(table);
        int dot = physical.indexOf('.');
        String schema = dot < 0 ? null : physical.substring(0, dot);
        List<String> result = new ArrayList<>();
        for (String statement : script(dialect).split(";\\s*\n")) {
            String sql = withoutComments(statement);
            if (sql.isEmpty() || (schema == null && sql.contains("${schema}"))) {
                continue;
            }
            result.add(sql.replace("${table}", physical).replace("${schema}", schema == null ? "" : schema));
        }
        return result;
    }

    /**
     * Checks that {@code table} is {@code name} or {@code qualifier.name} made of plain identifiers:
     * the name goes into SQL text, so nothing else may pass.
     */
    static String requireValidTable(String table) {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException(
                    "invalid barrier table name '" + table + "': expected name or schema.name of letters, digits, _");
        }
        return table;
    }

    /**
     * Runs an {@code IF NOT EXISTS} statement; if it fails, runs it once more: two processes creating
     * the same object at once can make the slower one fail (PostgreSQL reports a unique violation in
     * its catalog), and the retry then finds the object.
     */
    private static void executeIdempotent(Statement s, String sql) throws SQLException {
        try {
            s.execute(sql);
        } catch (SQLException first) {
            try {
                s.execute(sql);
            } catch (SQLException second) {
                second.addSuppressed(first);
                throw second;
            }
        }
    }

    private static String script(SqlDialect dialect) {
        String name = dialect.name().toLowerCase(Locale.ROOT) + ".sql";
        try (InputStream in = BarrierSchema.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the dtm4j client jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String withoutComments(String statement) {
        StringBuilder sql = new StringBuilder();
        for (String line : statement.split("\n")) {
            if (!line.strip().startsWith("--") && !line.isBlank()) {
                sql.append(sql.isEmpty() ? "" : "\n").append(line.stripTrailing());
            }
        }
        return sql.toString().strip();
    }
}
