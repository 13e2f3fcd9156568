package io.dtm4j.examples;

import java.util.List;
import java.util.Optional;

/** Every example, in the order {@code list} prints them. */
final class Examples {
    private static final List<Example> ALL = List.of(
            new SagaExample(false),
            new SagaExample(true),
            new SagaRollbackExample(),
            new MsgExample(),
            new MsgCheckBackExample(),
            new MsgRabbitMqExample(),
            new MsgNatsExample(),
            new TccExample(false),
            new TccExample(true),
            new TccRollbackExample(),
            new XaExample(false, false),
            new XaExample(false, true),
            new WorkflowExample(false),
            new WorkflowExample(true),
            new GrpcSagaExample(),
            new GrpcMsgExample(),
            new GrpcTccExample(),
            new XaExample(true, false),
            new XaExample(true, true),
            new GrpcWorkflowExample(),
            new GrpcMsgEtcdExample());

    private Examples() {}

    /** Returns every example. */
    static List<Example> all() {
        return ALL;
    }

    /** Returns the example called {@code name}, or empty. */
    static Optional<Example> find(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
