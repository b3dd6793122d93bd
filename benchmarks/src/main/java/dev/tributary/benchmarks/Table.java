package dev.tributary.benchmarks;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with aligned columns: the output format of every scenario benchmark. */
public final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = header.clone();
    }

    public Table row(Object... cells) {
        if (cells.length != header.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells; the table has " + header.length
                    + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    public String render() {
        int[] w = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, header, w);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            rule.append(i == 0 ? "" : "-+-").append("-".repeat(w[i]));
        }
        sb.append(rule).append('\n');
        for (String[] r : rows) {
            line(sb, r, w);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] w) {
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                sb.append(" | ");
            }
            // First column left-aligned (labels), the rest right-aligned (figures).
            sb.append(i == 0 ? String.format("%-" + w[i] + "s", cells[i]) : String.format("%" + w[i] + "s", cells[i]));
        }
        sb.append('\n');
    }
}
