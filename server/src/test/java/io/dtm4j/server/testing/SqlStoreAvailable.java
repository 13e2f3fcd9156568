package io.dtm4j.server.testing;

import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Disables every test, with the reason, when {@code -Ddtm4j.test.store} names a SQL store whose
 * server is unreachable, so that the scenario runs on PostgreSQL and MariaDB skip instead of
 * failing on machines without them. Registered by service loading; the surefire executions of
 * those runs enable {@code junit.jupiter.extensions.autodetection.enabled}.
 */
public final class SqlStoreAvailable implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String store = TestServer.storeChoice();
        if (!JdbcTestDatabases.isSql(store)) {
            return ConditionEvaluationResult.enabled("store " + store);
        }
        Optional<String> reason = JdbcTestDatabases.unavailable(store);
        if (reason.isPresent()) {
            if (context.getTestMethod().isEmpty()
                    && context.getParent().flatMap(ExtensionContext::getParent).isEmpty()) {
                System.out.println("SKIPPED: " + reason.get());
            }
            return ConditionEvaluationResult.disabled(reason.get());
        }
        return ConditionEvaluationResult.enabled("store " + store + " is reachable");
    }
}
