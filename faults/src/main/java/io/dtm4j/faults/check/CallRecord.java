package io.dtm4j.faults.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A line of a bank's call log: a business call received ({@code injected} empty) or a fault
 * injected into one.
 */
record CallRecord(
        String bank, long atMillis, String gid, String branchId, String op, String endpoint, String injected) {

    /** Reads a call log; a last line cut short by a kill is skipped. */
    static List<CallRecord> read(String bank, Path log) throws IOException {
        List<CallRecord> records = new ArrayList<>();
        if (!Files.exists(log)) {
            return records;
        }
        for (String line : Files.readAllLines(log)) {
            String[] f = line.trim().split(" ");
            if (f.length < 5) {
                continue;
            }
            String injected = f.length > 5 && f[5].startsWith("inject=") ? f[5].substring("inject=".length()) : "";
            try {
                records.add(new CallRecord(bank, Long.parseLong(f[0]), f[1], f[2], f[3], f[4], injected));
            } catch (NumberFormatException e) {
                // a line torn by kill -9
            }
        }
        return records;
    }

    @Override
    public String toString() {
        return atMillis + " bank " + bank + " " + endpoint + " branch " + branchId + " op " + op
                + (injected.isEmpty() ? "" : " (injected: " + injected + ")");
    }
}
