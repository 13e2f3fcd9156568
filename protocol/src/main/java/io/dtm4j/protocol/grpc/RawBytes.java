package io.dtm4j.protocol.grpc;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Passes gRPC messages through as bytes, so that any unary method can be called or served without
 * its {@code .proto} (docs/protocol.md §6.4, dtm's "raw bytes" codec): a stored payload is already
 * the serialised request, and a reply is handed over undecoded.
 */
public final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    /** The marshaller. */
    public static final RawBytes INSTANCE = new RawBytes();

    private RawBytes() {}

    /** A unary method {@code fullMethodName} (e.g. {@code busi.Busi/TransOut}) on raw bytes both ways. */
    public static MethodDescriptor<byte[], byte[]> unaryMethod(String fullMethodName) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullMethodName)
                .setRequestMarshaller(INSTANCE)
                .setResponseMarshaller(INSTANCE)
                .build();
    }

    @Override
    public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try (stream) {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
