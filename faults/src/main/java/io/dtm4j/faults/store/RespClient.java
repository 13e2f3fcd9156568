package io.dtm4j.faults.store;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One Redis command over a fresh connection, in RESP: enough to see whether a private Redis serves
 * (PING) and to check data, without a client library and its connection management in the way.
 */
final class RespClient {
    private static final int TIMEOUT_MILLIS = 5_000;

    private RespClient() {}

    /**
     * Sends {@code args} as one command to 127.0.0.1:{@code port} and returns the reply: a simple or
     * bulk string, an integer as text, or null for a null bulk string.
     *
     * @throws IOException on a connection failure or an error reply (-ERR, -LOADING, ...)
     */
    static String command(int port, String... args) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            var request = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args) {
                request.append('$')
                        .append(arg.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n")
                        .append(arg)
                        .append("\r\n");
            }
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply(new BufferedInputStream(socket.getInputStream()));
        }
    }

    private static String reply(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+', ':' -> {
                return line;
            }
            case '-' -> throw new IOException("redis answered " + line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] data = in.readNBytes(length + 2); // the value and its CRLF
                if (data.length != length + 2) {
                    throw new IOException("connection closed in a reply");
                }
                return new String(data, 0, length, StandardCharsets.UTF_8);
            }
            default -> throw new IOException("unexpected reply type " + type + ": " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        var bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed in a reply");
            }
            if (b != '\r') {
                bytes.write(b);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
