package io.dtm4j.examples.boot.bank;

import io.dtm4j.examples.boot.accounts.Accounts;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** One bank: a Spring MVC service holding the account of user {@code bank.user}. */
@SpringBootApplication
@Import(Accounts.class)
public class BankApplication {}
