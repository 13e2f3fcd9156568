/**
 * Spring Boot support for the dtm4j SDK: auto-configuration from {@code dtm4j.*} properties, the
 * barrier inside Spring's transactions ({@link io.dtm4j.spring.DtmBarrier}), branch handlers as
 * controller methods, Micrometer metrics and an Actuator health indicator. See docs/spring-boot.md.
 */
package io.dtm4j.spring;
