package io.dtm4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: a header line and rows, columns padded to their widest cell and separated by
 * two spaces. Empty cells show as {@code -}; line breaks and tabs in a cell become spaces.
 */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... headers) {
        columns = headers.length;
        rows.add(headers);
    }

    Table row(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException(columns + " cells expected, got " + cells.length);
        }
        String[] clean = new String[columns];
        for (int i = 0; i < columns; i++) {
            String c = cells[i] == null
                    ? ""
                    : cells[i].replaceAll("[\\r\\n\\t]+", " ").strip();
            clean[i] = c.isEmpty() ? "-" : c;
        }
        rows.add(clean);
        return this;
    }

    /** Returns whether the table has no rows besides its header. */
    boolean isEmpty() {
        return rows.size() == 1;
    }

    void print(PrintStream out) {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(r[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(width[i] - r[i].codePointCount(0, r[i].length()) + 2));
                }
            }
            out.println(line);
        }
    }
}
