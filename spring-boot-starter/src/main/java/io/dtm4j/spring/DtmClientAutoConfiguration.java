package io.dtm4j.spring;

import io.dtm4j.client.DtmClient;
import io.dtm4j.client.workflow.Workflows;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link DtmClient} bound to the server of {@code dtm4j.server} (HTTP) or {@code
 * dtm4j.grpc-target} (gRPC), and, when {@code dtm4j.workflow.callback-url} is set, the {@link
 * Workflows} registry. An application bean of either type replaces it.
 */
@AutoConfiguration(
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@EnableConfigurationProperties(Dtm4jProperties.class)
public class DtmClientAutoConfiguration {
    /** Decorates the HTTP client of the auto-configured DtmClient (the metrics do). */
    @FunctionalInterface
    interface HttpClientDecorator {
        HttpClient decorate(HttpClient http, String serverUrl);
    }

    /**
     * The client of {@code dtm4j.*}; closed with the context (shuts gRPC channels down).
     *
     * @throws IllegalArgumentException naming the property, for a server URL that is not http(s),
     *     a non-positive timeout or a malformed gRPC target
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public DtmClient dtmClient(Dtm4jProperties properties, ObjectProvider<HttpClientDecorator> decorators) {
        if (properties.getTimeout() == null
                || properties.getTimeout().isNegative()
                || properties.getTimeout().isZero()) {
            throw new IllegalArgumentException("dtm4j.timeout must be positive, not " + properties.getTimeout());
        }
        DtmClient client;
        String target = properties.getGrpcTarget() == null
                ? ""
                : properties.getGrpcTarget().trim();
        if (!target.isEmpty()) {
            try {
                client = DtmClient.grpc(target);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("dtm4j.grpc-target: " + e.getMessage(), e);
            }
        } else {
            String server = checkHttpUrl("dtm4j.server", properties.getServer());
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(properties.getTimeout())
                    .build();
            for (HttpClientDecorator decorator : decorators.orderedStream().toList()) {
                http = decorator.decorate(http, server);
            }
            client = DtmClient.of(server, http);
        }
        client = client.withTimeout(properties.getTimeout());
        if (properties.getBearerToken() != null && !properties.getBearerToken().isBlank()) {
            client = client.withBearerToken(properties.getBearerToken().trim());
        }
        if (!properties.getBranchHeaders().isEmpty()) {
            client = client.withBranchHeaders(properties.getBranchHeaders());
        }
        return client;
    }

    /** The workflow registry whose workflows the server resumes at {@code dtm4j.workflow.callback-url}. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(DtmClient.class)
    @ConditionalOnProperty("dtm4j.workflow.callback-url")
    public Workflows dtmWorkflows(DtmClient dtm, Dtm4jProperties properties) {
        String callback = checkHttpUrl(
                "dtm4j.workflow.callback-url", properties.getWorkflow().getCallbackUrl());
        return Workflows.http(dtm, callback, properties.getTimeout());
    }

    static String checkHttpUrl(String key, String value) {
        String url = value == null ? "" : value.trim();
        try {
            URI uri = URI.create(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (List.of("http", "https").contains(scheme) && uri.getHost() != null) {
                return url;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                key + " must be an absolute http or https URL such as http://localhost:36789/api/dtmsvr, not '" + value
                        + "'");
    }
}
