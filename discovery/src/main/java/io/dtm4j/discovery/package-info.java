/**
 * Service discovery as dtm's go-zero driver does it (docs/protocol.md §14), shared by the server
 * and the Java SDK.
 *
 * <ul>
 *   <li>{@link io.dtm4j.discovery.ServiceMethod}: how a gRPC URL splits into a dial target and a
 *       method ({@code etcd://localhost:2379/trans.rpc/trans.TransSvc/TransOut} → {@code
 *       etcd://localhost:2379/trans.rpc} + {@code /trans.TransSvc/TransOut}).
 *   <li>{@link io.dtm4j.discovery.Resolver}: the live endpoints behind a dial target, followed as
 *       they change ({@link io.dtm4j.discovery.EtcdResolver} for {@code etcd://} and {@code
 *       discov://}, {@link io.dtm4j.discovery.DirectResolver} for {@code direct:///}).
 *   <li>{@link io.dtm4j.discovery.EtcdRegistration}: publishing an endpoint in etcd with go-zero's
 *       layout, as the server publishes itself and a Java business service may.
 *   <li>{@link io.dtm4j.discovery.EtcdClient}: the small etcd v3 client under both, over etcd's JSON
 *       gateway and the JDK's HTTP client.
 * </ul>
 *
 * <p>{@code io.dtm4j.discovery.grpc} plugs the resolvers into grpc-java. Which driver the server
 * runs with and what it registers ({@code MicroService.*}) is the server's configuration and lives
 * in the server ({@code io.dtm4j.server.discovery}); the SDK always applies go-zero's rule to the
 * URLs it calls itself.
 */
package io.dtm4j.discovery;
