package io.dtm4j.spring.bank;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A small bank service whose branch handlers use the barrier in Spring transactions. */
@SpringBootApplication
public class BankApplication {}
