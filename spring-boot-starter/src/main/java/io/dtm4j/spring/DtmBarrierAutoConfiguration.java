package io.dtm4j.spring;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.barrier.BarrierSchema;
import io.dtm4j.client.barrier.BranchBarrier;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@link DtmBarrier} on the application's DataSource, when it has exactly one (or one primary).
 * With {@code dtm4j.barrier.create-table=true} the barrier table is created at start if missing.
 */
@AutoConfiguration(
        afterName = {
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"
        })
@ConditionalOnClass({DataSource.class, TransactionTemplate.class})
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(Dtm4jProperties.class)
public class DtmBarrierAutoConfiguration {
    /** The barrier; its doAndSubmit runs in a transaction of the application's transaction manager, if any. */
    @Bean
    @ConditionalOnMissingBean
    public DtmBarrier dtmBarrier(
            DataSource dataSource,
            Dtm4jProperties properties,
            ObjectProvider<PlatformTransactionManager> transactionManager,
            ObjectProvider<DtmBarrier.BarrierObserver> observer) {
        String table = properties.getBarrier().getTable();
        try {
            // the SDK checks table names when a barrier takes one: check at start rather than at the first call
            BranchBarrier.of(new BranchIdentity("saga", "start-check", "00", "action"))
                    .withTable(table);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dtm4j.barrier.table: " + e.getMessage(), e);
        }
        if (properties.getBarrier().isCreateTable()) {
            BarrierSchema.create(dataSource, table);
        }
        PlatformTransactionManager manager = transactionManager.getIfUnique();
        return new DtmBarrier(
                dataSource,
                table,
                manager == null ? null : new TransactionTemplate(manager),
                observer.getIfAvailable());
    }
}
