package io.dtm4j.examples;

/** An example ended differently from what it expects; the message says how. */
final class ExampleFailedException extends RuntimeException {
    ExampleFailedException(String message) {
        super(message);
    }
}
