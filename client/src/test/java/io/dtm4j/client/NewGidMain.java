package io.dtm4j.client;

/**
 * An application in a JVM of its own, with no server in it: asks the server at the gRPC target
 * {@code args[0]} for a gid and prints {@code gid <gid>}; an error ends it with a stack trace and
 * exit status 1.
 */
final class NewGidMain {
    private NewGidMain() {}

    public static void main(String[] args) {
        try (DtmClient dtm = DtmClient.grpc(args[0])) {
            System.out.println("gid " + dtm.newGid());
        }
    }
}
