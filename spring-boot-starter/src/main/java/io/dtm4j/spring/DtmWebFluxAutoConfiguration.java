package io.dtm4j.spring;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.HttpResults;
import java.nio.charset.StandardCharsets;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.BindingContext;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.method.SyncHandlerMethodArgumentResolver;
import org.springframework.web.reactive.result.method.annotation.ArgumentResolverConfigurer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Branch handlers as WebFlux controller methods: a {@link BranchIdentity} parameter is filled from
 * the query, and the errors of branch handlers (see {@link DtmBranch}) are answered as dtm expects
 * (FAILURE 409, ONGOING 425, others 500) by a {@link WebExceptionHandler} that runs before Boot's
 * error handling. Replace it by a bean named {@code dtmBranchWebExceptionHandler}. Blocking JDBC
 * work (the barrier) belongs on a scheduler meant for it, e.g. {@code Schedulers.boundedElastic()}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass(WebFluxConfigurer.class)
public class DtmWebFluxAutoConfiguration {

    /** Registers the argument resolver of {@link BranchIdentity}. */
    @Bean
    public WebFluxConfigurer dtmWebFluxConfigurer() {
        return new WebFluxConfigurer() {
            @Override
            public void configureArgumentResolvers(ArgumentResolverConfigurer configurer) {
                configurer.addCustomResolver(new BranchIdentityArgumentResolver());
            }
        };
    }

    /** Answers the errors of branch handlers with dtm's statuses; passes other errors on. */
    @Bean
    @ConditionalOnMissingBean(name = "dtmBranchWebExceptionHandler")
    public WebExceptionHandler dtmBranchWebExceptionHandler() {
        return new BranchWebExceptionHandler();
    }

    /** Reads the branch identity from the request's query. */
    static final class BranchIdentityArgumentResolver implements SyncHandlerMethodArgumentResolver {
        @Override
        public boolean supportsParameter(MethodParameter parameter) {
            return parameter.getParameterType() == BranchIdentity.class;
        }

        @Override
        public Object resolveArgumentValue(
                MethodParameter parameter, BindingContext bindingContext, ServerWebExchange exchange) {
            return BranchHandlers.identity(exchange.getRequest().getQueryParams());
        }
    }

    /** dtm's answer to the error of a branch handler; ordered before Boot's error handler (-1). */
    static final class BranchWebExceptionHandler implements WebExceptionHandler, Ordered {
        @Override
        public int getOrder() {
            return -2;
        }

        @Override
        public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
            Object handler = exchange.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
            ServerHttpResponse response = exchange.getResponse();
            if (!(handler instanceof HandlerMethod method)
                    || !BranchHandlers.isBranchHandler(method.getMethod(), method.getBeanType())
                    || response.isCommitted()) {
                return Mono.error(ex);
            }
            int status = BranchHandlers.answerFor(ex, method.getShortLogMessage());
            response.setStatusCode(HttpStatusCode.valueOf(status));
            response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
            byte[] body = HttpResults.bodyFor(ex).getBytes(StandardCharsets.UTF_8);
            return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
        }
    }
}
