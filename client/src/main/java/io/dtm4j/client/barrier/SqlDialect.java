package io.dtm4j.client.barrier;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The databases the SQL barrier supports, and how each spells "insert unless the barrier row
 * exists" and names the barrier table.
 */
public enum SqlDialect {
    /** PostgreSQL: the table lives in a schema; the insert names dtm's constraint {@code uniq_barrier}. */
    POSTGRES("INSERT INTO %s (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)"
            + " ON CONFLICT ON CONSTRAINT uniq_barrier DO NOTHING"),
    /** MySQL and MariaDB: the table lives in a database; {@code INSERT IGNORE} relies on the unique key. */
    MYSQL("INSERT IGNORE INTO %s (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)"),
    /**
     * SQLite: one database file, no schemas. A qualified name maps to a plain table whose name joins
     * the parts with an underscore ({@code dtm_barrier.barrier} becomes {@code dtm_barrier_barrier}),
     * so that the barrier shares the business database file: an ATTACHed database would not commit
     * atomically with it in WAL mode.
     */
    SQLITE("INSERT OR IGNORE INTO %s (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)");

    private final String insertIgnore;

    SqlDialect(String insertIgnore) {
        this.insertIgnore = insertIgnore;
    }

    String insertIgnore(String table) {
        return insertIgnore.formatted(physicalTable(table));
    }

    /** The name this database knows {@code table} by (only SQLite renames, see {@link #SQLITE}). */
    public String physicalTable(String table) {
        return this == SQLITE ? table.replace('.', '_') : table;
    }

    /** The dialect of the database {@code connection} belongs to. */
    public static SqlDialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return POSTGRES;
        }
        if (product.contains("mysql") || product.contains("mariadb")) {
            return MYSQL;
        }
        if (product.contains("sqlite")) {
            return SQLITE;
        }
        throw new SQLException("the barrier does not support " + product + " (PostgreSQL, MySQL, MariaDB, SQLite)");
    }
}
