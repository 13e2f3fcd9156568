package io.dtm4j.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.dtm4j.client.DtmClient;
import io.dtm4j.client.workflow.Workflows;
import io.dtm4j.server.testing.TestServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The auto-configuration alone: what properties create, what application beans replace, what stays off. */
class DtmAutoConfigurationTest {
    private static TestServer server;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    DtmClientAutoConfiguration.class,
                    DtmBarrierAutoConfiguration.class,
                    DtmMetricsAutoConfiguration.class,
                    DtmHealthAutoConfiguration.class));

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theClientTalksToTheServerOfTheProperties() {
        runner.withPropertyValues("dtm4j.server=" + server.dtm(), "dtm4j.timeout=3s")
                .run(context -> {
                    DtmClient dtm = context.getBean(DtmClient.class);
                    assertThat(dtm.serverUrl()).isEqualTo(server.dtm());
                    assertThat(dtm.isGrpc()).isFalse();
                    assertThat(dtm.newGid()).isNotEmpty();
                });
    }

    @Test
    void branchHeadersAndTheGrpcTargetBind() {
        runner.withPropertyValues(
                        "dtm4j.grpc-target=etcd://127.0.0.1:2379/dtmservice",
                        "dtm4j.branch-headers.x-tenant=blue",
                        "dtm4j.branch-headers.x-region=eu")
                .run(context -> {
                    DtmClient dtm = context.getBean(DtmClient.class);
                    assertThat(dtm.isGrpc()).isTrue();
                    assertThat(dtm.serverUrl()).isEqualTo("etcd://127.0.0.1:2379/dtmservice");
                    assertThat(dtm.branchHeaders()).isEqualTo(Map.of("x-tenant", "blue", "x-region", "eu"));
                });
    }

    @Test
    void aBadServerUrlStopsTheStartNamingTheKey() {
        runner.withPropertyValues("dtm4j.server=localhost:36789")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("dtm4j.server must be an absolute http or https URL")
                        .hasMessageContaining("localhost:36789"));
    }

    @Test
    void aMalformedGrpcTargetStopsTheStartNamingTheKey() {
        runner.withPropertyValues("dtm4j.grpc-target=etcd://localhost:2379")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .hasStackTraceContaining("dtm4j.grpc-target: ")
                        .hasStackTraceContaining("names no service key"));
    }

    @Test
    void anApplicationClientReplacesTheAutoConfiguredOne() {
        DtmClient own = DtmClient.of("http://own:36789/api/dtmsvr");
        runner.withBean(DtmClient.class, () -> own)
                .run(context -> assertThat(context.getBean(DtmClient.class)).isSameAs(own));
    }

    @Test
    void workflowsExistOnlyWithACallbackUrl() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Workflows.class));
        runner.withPropertyValues("dtm4j.workflow.callback-url=http://app:8080/workflow/resume")
                .run(context -> assertThat(context.getBean(Workflows.class).callbackUrl())
                        .isEqualTo("http://app:8080/workflow/resume"));
    }

    @Test
    void theBarrierNeedsADataSourceAndBacksOffForTheApplicationsOwn() {
        runner.run(context -> assertThat(context).doesNotHaveBean(DtmBarrier.class));
        DataSource db = new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        runner.withBean(DataSource.class, () -> db)
                .withPropertyValues("dtm4j.barrier.table=app.barrier")
                .run(context -> {
                    assertThat(context.getBean(DtmBarrier.class).table()).isEqualTo("app.barrier");
                    assertThat(context.getBean(DtmBarrier.class).dataSource()).isSameAs(db);
                });
        DtmBarrier own = DtmBarrier.of(db, "mine.barrier", null);
        runner.withBean(DataSource.class, () -> db)
                .withBean(DtmBarrier.class, () -> own)
                .run(context -> assertThat(context.getBean(DtmBarrier.class)).isSameAs(own));
    }

    @Test
    void anInvalidBarrierTableStopsTheStartNamingTheKey() {
        DataSource db = new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        runner.withBean(DataSource.class, () -> db)
                .withPropertyValues("dtm4j.barrier.table=drop table;")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .hasStackTraceContaining("dtm4j.barrier.table: invalid barrier table name 'drop table;'"));
    }

    @Test
    void theHealthIndicatorIsUpWhenTheServerAnswersAndDownOtherwise() {
        runner.withPropertyValues("dtm4j.server=" + server.dtm()).run(context -> {
            Health health = context.getBean("dtm4jHealthIndicator", HealthIndicator.class)
                    .health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("server", server.dtm());
        });
        runner.withPropertyValues("dtm4j.server=http://127.0.0.1:1/api/dtmsvr", "dtm4j.timeout=2s")
                .run(context -> {
                    Health health = context.getBean("dtm4jHealthIndicator", HealthIndicator.class)
                            .health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsKey("error");
                });
    }

    @Test
    void theHealthIndicatorCanBeTurnedOff() {
        runner.withPropertyValues("management.health.dtm4j.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("dtm4jHealthIndicator"));
    }

    @Test
    void withAMeterRegistryTheClientsCallsAreTimed() {
        runner.withPropertyValues("dtm4j.server=" + server.dtm())
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    context.getBean(DtmClient.class).newGid();
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.get("dtm4j.client.requests")
                                    .tags("target", "server", "operation", "newGid", "outcome", "success")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                });
    }

    @Test
    void withoutAMeterRegistryNoMetricsBeansExist() {
        runner.run(context -> assertThat(context).doesNotHaveBean(DtmBarrier.BarrierObserver.class));
    }

    @Test
    void theTimeoutMustBePositive() {
        runner.withPropertyValues("dtm4j.timeout=0s")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("dtm4j.timeout must be positive"));
        assertThat(Duration.ofSeconds(10)).isEqualTo(new Dtm4jProperties().getTimeout());
    }
}
