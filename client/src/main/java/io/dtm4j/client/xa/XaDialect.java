package io.dtm4j.client.xa;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/**
 * How each supported database spells the steps of an XA branch; {@code %s} stands for the quoted
 * xid. PostgreSQL has no XA statements but offers the same with an ordinary transaction that
 * {@code PREPARE TRANSACTION} detaches from the session.
 */
enum XaDialect {
    MYSQL("XA START %s", "XA END %s", "XA PREPARE %s", "XA COMMIT %s", "XA ROLLBACK %s", "XA ROLLBACK %s") {
        @Override
        boolean isUnknownXid(SQLException e) {
            // 1397 XAER_NOTA "Unknown XID" (SQLSTATE XAE04): no prepared branch with this xid, i.e.
            // it was already committed or rolled back, or never prepared
            return e.getErrorCode() == 1397 || "XAE04".equals(e.getSQLState());
        }
    },
    POSTGRES("BEGIN", null, "PREPARE TRANSACTION %s", "COMMIT PREPARED %s", "ROLLBACK PREPARED %s", "ROLLBACK") {
        @Override
        boolean isUnknownXid(SQLException e) {
            // 42704 undefined_object: 'prepared transaction with identifier "…" does not exist'
            return "42704".equals(e.getSQLState());
        }
    };

    private final String start;
    private final String end;
    private final String prepare;
    private final String commit;
    private final String rollback;
    private final String abandon;

    XaDialect(String start, String end, String prepare, String commit, String rollback, String abandon) {
        this.start = start;
        this.end = end;
        this.prepare = prepare;
        this.commit = commit;
        this.rollback = rollback;
        this.abandon = abandon;
    }

    /** Whether {@code e} says that no prepared transaction has the xid: a repeated phase two. */
    abstract boolean isUnknownXid(SQLException e);

    /** Begins the branch's transaction. */
    String start(String xid) {
        return start.formatted(quote(xid));
    }

    /** Detaches the work from the transaction before prepare; null when the database has no such step. */
    String end(String xid) {
        return end == null ? null : end.formatted(quote(xid));
    }

    String prepare(String xid) {
        return prepare.formatted(quote(xid));
    }

    String commit(String xid) {
        return commit.formatted(quote(xid));
    }

    String rollback(String xid) {
        return rollback.formatted(quote(xid));
    }

    /** Rolls back a branch that was started (and ended) but not prepared. */
    String abandon(String xid) {
        return abandon.formatted(quote(xid));
    }

    static XaDialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        if (product.contains("postgres")) {
            return POSTGRES;
        }
        if (product.contains("mysql") || product.contains("mariadb")) {
            return MYSQL;
        }
        throw new SQLException("XA branches need MySQL, MariaDB or PostgreSQL, not " + product);
    }

    /** The xid is checked to hold no quote or backslash, so plain quoting is safe in both databases. */
    private static String quote(String xid) {
        return "'" + xid + "'";
    }
}
