package io.dtm4j.server.discovery;

import io.dtm4j.discovery.EtcdException;
import io.dtm4j.discovery.Registration;
import io.dtm4j.discovery.Resolver;
import io.dtm4j.discovery.ServiceMethod;
import java.util.List;

/**
 * A service-discovery driver (dtm's {@code dtmdriver}, docs/protocol.md §14): how gRPC branch URLs
 * split into a dial target and a method, which registries those targets may name, and how the
 * server publishes itself. One driver is active per server, chosen by {@code MicroService.Driver};
 * see {@link MicroServiceDrivers}.
 */
public interface MicroServiceDriver {

    /** The name used in {@code MicroService.Driver}, e.g. {@code dtm-driver-gozero}. */
    String name();

    /**
     * Splits a gRPC branch URL into its dial target and method.
     *
     * @throws IllegalArgumentException when this driver cannot split {@code url}, saying why
     */
    ServiceMethod split(String url);

    /**
     * Publishes {@code endpoint} (the server's gRPC address) under {@code target}; an empty target
     * registers nothing.
     *
     * @throws IllegalArgumentException when {@code target} is malformed or names an unsupported registry
     * @throws EtcdException when the registry cannot be reached or refuses the registration
     */
    Registration register(String target, String endpoint);

    /** The resolvers of the dial-target schemes this driver's URLs may use beyond grpc-java's own. */
    List<Resolver> resolvers();
}
