package io.dtm4j.spring;

import io.dtm4j.client.DtmClient;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The health indicator {@code dtm4j} (Actuator's {@code /actuator/health}), when Boot's health
 * support is on the class path; {@code management.health.dtm4j.enabled=false} turns it off.
 */
@AutoConfiguration(after = DtmClientAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(DtmClient.class)
@ConditionalOnEnabledHealthIndicator("dtm4j")
public class DtmHealthAutoConfiguration {
    /** Whether the server answers; see {@link DtmServerHealthIndicator}. */
    @Bean
    @ConditionalOnMissingBean(name = "dtm4jHealthIndicator")
    public HealthIndicator dtm4jHealthIndicator(DtmClient dtm) {
        return new DtmServerHealthIndicator(dtm);
    }
}
