package io.dtm4j.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks controller methods (or every method of a controller) as branch handlers, whose exceptions
 * are answered the way dtm expects: {@link io.dtm4j.client.DtmFailureException} with 409 FAILURE,
 * {@link io.dtm4j.client.DtmOngoingException} with 425 ONGOING, anything else with 500 (retried by
 * the server). A method with a {@link io.dtm4j.client.BranchIdentity} parameter is a branch handler
 * without this annotation.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface DtmBranch {}
