/**
 * The discovery resolvers as grpc-java name resolvers, so a channel can dial {@code
 * etcd://host:port/service}; the only part of {@code dtm4j-discovery} that needs {@code grpc-api}.
 */
package io.dtm4j.discovery.grpc;
