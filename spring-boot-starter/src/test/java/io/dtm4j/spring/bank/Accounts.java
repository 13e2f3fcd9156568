package io.dtm4j.spring.bank;

import io.dtm4j.client.DtmFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Table {@code account(id, balance)} through JdbcTemplate, so through Spring's transaction. */
@Repository
public class Accounts {
    private final JdbcTemplate jdbc;

    public Accounts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void reset(long balance) {
        jdbc.execute("CREATE TABLE IF NOT EXISTS account (id INT PRIMARY KEY, balance BIGINT NOT NULL)");
        jdbc.update("DELETE FROM account");
        jdbc.update("INSERT INTO account (id, balance) VALUES (1, ?), (2, ?)", balance, balance);
    }

    /** Adds {@code amount} to the balance of {@code id}; FAILURE when it would go negative. */
    public void adjust(int id, long amount) {
        int rows = jdbc.update(
                "UPDATE account SET balance = balance + ? WHERE id = ? AND balance + ? >= 0", amount, id, amount);
        if (rows == 0) {
            throw new DtmFailureException("account " + id + " cannot give " + -amount);
        }
    }

    public long balance(int id) {
        return jdbc.queryForObject("SELECT balance FROM account WHERE id = ?", Long.class, id);
    }
}
