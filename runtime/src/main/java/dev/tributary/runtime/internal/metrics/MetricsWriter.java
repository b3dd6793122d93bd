package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Appends each iteration's metrics to {@code metrics.csv} and {@code metrics.jsonl} in the run's output
 * directory, flushing every line so a killed run keeps what it measured. Opening for a resumed run keeps the rows
 * up to the checkpoint's iteration and drops later ones (and a line torn by a crash), so no iteration appears twice.
 */
public final class MetricsWriter implements AutoCloseable {
    public static final String CSV = "metrics.csv";
    public static final String JSONL = "metrics.jsonl";
    private static final Pattern JSON_ITERATION = Pattern.compile("^\\{\"iteration\":(\\d+),");

    private final BufferedWriter csv;
    private final BufferedWriter jsonl;

    private MetricsWriter(BufferedWriter csv, BufferedWriter jsonl) {
        this.csv = csv;
        this.jsonl = jsonl;
    }

    /** Opens (creating the directory and files) and appends after any rows already there. */
    public static MetricsWriter open(Path outDir) throws IOException {
        return resume(outDir, Integer.MAX_VALUE);
    }

    /** Opens for a run resumed after {@code lastIteration}: rows of later iterations are dropped first. */
    public static MetricsWriter resume(Path outDir, int lastIteration) throws IOException {
        Files.createDirectories(outDir);
        Path csvPath = outDir.resolve(CSV);
        Path jsonPath = outDir.resolve(JSONL);
        keepThrough(csvPath, lastIteration, true);
        keepThrough(jsonPath, lastIteration, false);
        BufferedWriter c = Files.newBufferedWriter(csvPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        if (Files.size(csvPath) == 0) {
            c.write(MetricsFormat.CSV_HEADER);
            c.newLine();
            c.flush();
        }
        BufferedWriter j = Files.newBufferedWriter(jsonPath, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        return new MetricsWriter(c, j);
    }

    public synchronized void append(IterationMetrics m) {
        try {
            csv.write(MetricsFormat.csvRow(m));
            csv.newLine();
            csv.flush();
            jsonl.write(MetricsFormat.json(m));
            jsonl.newLine();
            jsonl.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append metrics of iteration " + m.iteration(), e);
        }
    }

    /** Every row of {@code <outDir>/metrics.csv}, in file order: the whole history for a plot after a resume. */
    public static List<IterationMetrics> read(Path outDir) throws IOException {
        Path csvPath = outDir.resolve(CSV);
        List<String> lines = Files.readAllLines(csvPath, StandardCharsets.UTF_8);
        List<IterationMetrics> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isEmpty()) {
                out.add(MetricsFormat.parseCsvRow(lines.get(i), csvPath + " line " + (i + 1)));
            }
        }
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        try (csv; jsonl) {
            csv.flush();
            jsonl.flush();
        }
    }

    /** Rewrites {@code file} keeping its complete rows of iterations <= {@code last}; a torn last line is dropped. */
    private static void keepThrough(Path file, int last, boolean hasHeader) throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(text.lines().toList());
        if (!text.endsWith("\n")) {
            lines.remove(lines.size() - 1);
        }
        List<String> kept = new ArrayList<>();
        // A file of a version before the weight-swap columns or their percentiles is rewritten with them.
        boolean older = hasHeader && !lines.isEmpty() && MetricsFormat.OLD_CSV_HEADERS.contains(lines.get(0));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (hasHeader && i == 0) {
                if (!line.equals(MetricsFormat.CSV_HEADER) && !older) {
                    throw new IOException(file + " has header '" + line + "'; expected '" + MetricsFormat.CSV_HEADER
                            + "' (metrics of another version? use a new out-dir)");
                }
                kept.add(MetricsFormat.CSV_HEADER);
            } else if (!line.isEmpty() && iterationOf(line, hasHeader, file) <= last) {
                kept.add(older ? MetricsFormat.csvRow(MetricsFormat.parseCsvRow(line, file + " line " + (i + 1)))
                        : line);
            }
        }
        if (!older && kept.size() == lines.size() && text.endsWith("\n")) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, kept, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static int iterationOf(String line, boolean csvLine, Path file) throws IOException {
        try {
            if (csvLine) {
                return Integer.parseInt(line.substring(0, line.indexOf(',')));
            }
            Matcher m = JSON_ITERATION.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        } catch (RuntimeException e) {
            // falls through to the error below
        }
        throw new IOException(file + " has a line that is not a metrics row: '" + line + "'");
    }
}
