package io.dtm4j.faults.bank;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The bank's record of every business call it received and every fault it injected, which the
 * checker compares with the ledger (a call the server repeated must still be applied once). One
 * line per event, {@code <epochMillis> <gid> <branch_id> <op> <endpoint>[ inject=<kind>]}, appended
 * with one unbuffered write, so a line written survives a kill -9 of the bank.
 */
final class CallLog implements AutoCloseable {
    private final FileOutputStream out;

    CallLog(Path file) throws IOException {
        this.out = new FileOutputStream(file.toFile(), true);
    }

    /** Records a call at receipt, before its work; {@code params} is the query or the gRPC metadata. */
    void call(Map<String, String> params, String endpoint) {
        write(line(params, endpoint));
    }

    /** Records a fault injected into the answer of that call. */
    void inject(Map<String, String> params, String endpoint, Chaos.Kind kind) {
        write(line(params, endpoint) + " inject=" + kind.wire());
    }

    private static String line(Map<String, String> params, String endpoint) {
        return System.currentTimeMillis() + " " + field(params, "gid") + " " + field(params, "branch_id") + " "
                + field(params, "op") + " " + endpoint;
    }

    /** A value as one word: missing becomes {@code -}, blanks become {@code _}. */
    private static String field(Map<String, String> params, String name) {
        String value = params.get(name);
        return value == null || value.isEmpty() ? "-" : value.replaceAll("\\s", "_");
    }

    private synchronized void write(String line) {
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the call log", e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
