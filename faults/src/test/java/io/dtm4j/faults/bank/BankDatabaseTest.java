package io.dtm4j.faults.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dtm4j.client.DtmFailureException;
import io.dtm4j.server.testing.JdbcTestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link BankDatabase} on both databases: create, move with and without cover, and the checker's reads. */
class BankDatabaseTest {
    @ParameterizedTest
    @ValueSource(strings = {"mysql", "postgres"})
    void createMoveAndRead(String driver) throws Exception {
        JdbcTestDatabases.assumeAvailable(driver);
        boolean pg = driver.equals("postgres");
        String name =
                "faults_bankdb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String server = (pg ? "jdbc:postgresql://" : "jdbc:mariadb://") + JdbcTestDatabases.host(driver) + ":"
                + JdbcTestDatabases.port(driver) + "/";
        String credentials =
                "user=" + JdbcTestDatabases.user(driver) + "&password=" + JdbcTestDatabases.password(driver);
        try (Connection admin = DriverManager.getConnection(server + (pg ? "postgres" : "") + "?" + credentials);
                Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        try {
            DataSource db = BankDatabase.open(server + name + "?" + credentials);
            BankDatabase.create(db, 3, 100);
            BankDatabase.create(db, 3, 100); // again: a fresh start, not an error
            assertThat(BankDatabase.totalBalance(db)).isEqualTo(300);
            try (Connection tx = db.getConnection()) {
                tx.setAutoCommit(false);
                BankDatabase.move(tx, "g1", "01", "try", 1, 0, -60, true);
                assertThatThrownBy(() -> BankDatabase.move(tx, "g1", "02", "action", 1, -41, 0, true))
                        .isInstanceOf(DtmFailureException.class)
                        .hasMessageContaining("insufficient balance");
                BankDatabase.move(tx, "g1", "03", "compensate", 2, -150, 0, false); // never refused
                assertThatThrownBy(() -> BankDatabase.move(tx, "g1", "04", "action", 9, 1, 0, false))
                        .isInstanceOf(IllegalArgumentException.class);
                tx.commit();
            }
            assertThat(BankDatabase.accounts(db))
                    .containsValues(
                            new BankDatabase.Account(1, 100, -60),
                            new BankDatabase.Account(2, -50, 0),
                            new BankDatabase.Account(3, 100, 0));
            assertThat(BankDatabase.totalBalance(db)).isEqualTo(150);
            assertThat(BankDatabase.ledger(db))
                    .extracting(r -> r.branchId() + "/" + r.op() + "/" + r.account() + "/" + r.balanceDelta() + "/"
                            + r.tradingDelta())
                    .containsExactly("01/try/1/0/-60", "03/compensate/2/-150/0");
            assertThat(BankDatabase.ledger(db)).allMatch(r -> r.gid().equals("g1") && r.atMillis() > 0);
        } finally {
            try (Connection admin = DriverManager.getConnection(server + (pg ? "postgres" : "") + "?" + credentials);
                    Statement s = admin.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + (pg ? " WITH (FORCE)" : ""));
            }
        }
    }
}
