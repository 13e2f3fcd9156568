package io.dtm4j.spring;

import io.dtm4j.client.BranchIdentity;
import io.dtm4j.client.HttpResults;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Branch handlers as Spring MVC controller methods: a {@link BranchIdentity} parameter is filled
 * from the query ({@code gid}, {@code trans_type}, {@code branch_id}, {@code op}; 400 when one is
 * missing), and the exceptions of branch handlers (see {@link DtmBranch}) are answered as dtm
 * expects before any {@code @ExceptionHandler} sees them: FAILURE 409, ONGOING 425, others 500.
 * Replace the mapping by a bean named {@code dtmBranchExceptionResolver}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
public class DtmWebMvcAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(DtmWebMvcAutoConfiguration.class);

    /** Answers the exceptions of branch handlers with dtm's statuses; null for other handlers. */
    @Bean
    @ConditionalOnMissingBean(name = "dtmBranchExceptionResolver")
    public HandlerExceptionResolver dtmBranchExceptionResolver() {
        return new BranchExceptionResolver();
    }

    /** Registers the argument resolver and puts the exception mapping first. */
    @Bean
    public WebMvcConfigurer dtmWebMvcConfigurer(BeanFactory beans) {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> argumentResolvers) {
                argumentResolvers.add(new BranchIdentityArgumentResolver());
            }

            @Override
            public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> exceptionResolvers) {
                // by name, so that an application's bean of that name replaces the mapping
                exceptionResolvers.addFirst(
                        beans.getBean("dtmBranchExceptionResolver", HandlerExceptionResolver.class));
            }
        };
    }

    /** Reads the branch identity from the request's query. */
    static final class BranchIdentityArgumentResolver implements HandlerMethodArgumentResolver {
        @Override
        public boolean supportsParameter(MethodParameter parameter) {
            return parameter.getParameterType() == BranchIdentity.class;
        }

        @Override
        public Object resolveArgument(
                MethodParameter parameter,
                ModelAndViewContainer mavContainer,
                NativeWebRequest webRequest,
                WebDataBinderFactory binderFactory) {
            return BranchHandlers.identity(webRequest.getParameterMap());
        }
    }

    /** dtm's answer to the exception of a branch handler. */
    static final class BranchExceptionResolver implements HandlerExceptionResolver {
        @Override
        public ModelAndView resolveException(
                HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
            if (!(handler instanceof HandlerMethod method)
                    || !BranchHandlers.isBranchHandler(method.getMethod(), method.getBeanType())
                    || response.isCommitted()) {
                return null;
            }
            int status = BranchHandlers.answerFor(ex, method.getShortLogMessage());
            try {
                response.setStatus(status);
                response.setContentType("application/json");
                response.getOutputStream().write(HttpResults.bodyFor(ex).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                LOG.debug("cannot answer the branch call: {}", e.toString());
            }
            return new ModelAndView();
        }
    }
}
