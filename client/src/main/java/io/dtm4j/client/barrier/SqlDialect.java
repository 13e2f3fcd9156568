package io.dtm4j.client.barrier;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** How each supported database spells "insert unless the barrier row exists". */
enum SqlDialect {
    POSTGRES("INSERT INTO %s (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)"
            + " ON CONFLICT ON CONSTRAINT uniq_barrier DO NOTHING"),
    MYSQL("INSERT IGNORE INTO %s (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)"),
    SQLITE("INSERT OR IGNORE INTO %s (trans_type, gid, branch_id, op, barrier_id, reason) VALUES (?,?,?,?,?,?)");

    private final String insertIgnore;

    SqlDialect(String insertIgnore) {
        this.insertIgnore = insertIgnore;
    }

    String insertIgnore(String table) {
        return insertIgnore.formatted(table);
    }

    static SqlDialect of(Connection connection) throws SQLException {
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
