package io.dtm4j.server.topic;

/**
 * A refused topic operation (empty topic, unknown url, a concurrent change…); its message is the text
 * clients see, dtm's where dtm has one. The APIs answer it as dtm answers its topic errors: HTTP 500,
 * gRPC Unknown.
 */
public final class TopicException extends RuntimeException {
    TopicException(String message) {
        super(message);
    }
}
