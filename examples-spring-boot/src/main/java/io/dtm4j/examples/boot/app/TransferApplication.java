package io.dtm4j.examples.boot.app;

import io.dtm4j.examples.boot.accounts.Accounts;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/**
 * The application that starts the transfers (no web server): the auto-configured DtmClient, and
 * for the two-phase message the barrier on the database of user 1's bank.
 */
@SpringBootApplication
@Import(Accounts.class)
public class TransferApplication {}
