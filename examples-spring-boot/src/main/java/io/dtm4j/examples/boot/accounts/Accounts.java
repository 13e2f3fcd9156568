package io.dtm4j.examples.boot.accounts;

import io.dtm4j.client.DtmFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Table {@code user_account}: the balance of each user in cents, and {@code trading_balance}, what
 * TCC tries booked (negative: frozen, positive: expected). Through JdbcTemplate, so inside the
 * caller's Spring transaction, next to the barrier rows.
 */
@Repository
public class Accounts {
    /** What users 1 and 2 hold before every run. */
    public static final long INITIAL_BALANCE = 10_000;

    private final JdbcTemplate jdbc;

    public Accounts(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Creates the table if absent and gives users 1 and 2 their initial balances. */
    public void reset() {
        jdbc.execute("CREATE TABLE IF NOT EXISTS user_account (user_id INT PRIMARY KEY,"
                + " balance BIGINT NOT NULL DEFAULT 0, trading_balance BIGINT NOT NULL DEFAULT 0)");
        jdbc.update("DELETE FROM user_account WHERE user_id IN (1, 2)");
        jdbc.update(
                "INSERT INTO user_account (user_id, balance, trading_balance) VALUES (1, ?, 0), (2, ?, 0)",
                INITIAL_BALANCE,
                INITIAL_BALANCE);
    }

    /** Adds {@code amount} (negative: takes it) to the balance of {@code user}; FAILURE when it would go negative. */
    public void adjustBalance(int user, long amount) {
        require(
                jdbc.update(
                        "UPDATE user_account SET balance = balance + ? WHERE user_id = ? AND balance + ? >= 0",
                        amount,
                        user,
                        amount),
                user,
                amount);
    }

    /** TCC try and cancel: books {@code amount} in the trading balance; a frozen amount must be covered. */
    public void adjustTrading(int user, long amount) {
        require(
                jdbc.update(
                        "UPDATE user_account SET trading_balance = trading_balance + ?"
                                + " WHERE user_id = ? AND balance + trading_balance + ? >= 0",
                        amount,
                        user,
                        amount),
                user,
                amount);
    }

    /** TCC confirm: moves the booked {@code amount} into the balance. */
    public void confirmTrading(int user, long amount) {
        jdbc.update(
                "UPDATE user_account SET balance = balance + ?, trading_balance = trading_balance - ? WHERE user_id = ?",
                amount,
                amount,
                user);
    }

    public long balance(int user) {
        return jdbc.queryForObject("SELECT balance FROM user_account WHERE user_id = ?", Long.class, user);
    }

    public long tradingBalance(int user) {
        return jdbc.queryForObject("SELECT trading_balance FROM user_account WHERE user_id = ?", Long.class, user);
    }

    private static void require(int rows, int user, long amount) {
        if (rows == 0) {
            throw new DtmFailureException("insufficient balance: user " + user + " cannot give " + -amount + " cents");
        }
    }
}
