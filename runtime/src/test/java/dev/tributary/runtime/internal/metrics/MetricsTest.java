package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    static IterationMetrics metrics(int iteration, double accuracy) {
        return new IterationMetrics(iteration, 0.1 + 0.03 * iteration, accuracy, 30 - iteration * 0.5,
                1850.4, 12, 9, 1, 3.14, 1.23, 0.024, 4.5, 128, 0.62, 0.71, 5.2, 0, 0, 0, 0);
    }

    @Test
    void progressLine_showsEveryFigureReadably() {
        assertEquals("iter  12 | reward 0.46 | held-out 63.5% | len 24.0 | 1,850 tok/s | partial 12 resumed 9 repeat 1"
                + " | rollout 3.1s train 1.2s sync 0.02s handoff 4.5ms", ProgressLine.format(metrics(12, 0.635)));
        assertTrue(ProgressLine.format(metrics(3, Double.NaN)).contains("| held-out - |"));
        IterationMetrics stale = new IterationMetrics(4, 0.5, Double.NaN, 20, 1000, 0, 0, 0, 1, 1, 0, 0, 64, 0.9,
                0.5, 2, 1, 2, 3, 8);
        assertTrue(ProgressLine.format(stale).endsWith("| stale p50 1 p99 2 max 3 dropped 8"), ProgressLine.format(stale));
        IterationMetrics swapped = new IterationMetrics(5, 0.5, Double.NaN, 20, 1000, 0, 0, 0, 1, 1, 0, 0, 64, 0.9,
                0.5, 2, 0, 1, 1, 0, 3, 0.42, 0.31, 0.42);
        assertTrue(ProgressLine.format(swapped).endsWith("| stale p50 0 p99 1 max 1 dropped 0 | swaps 3 p50 0.3 max 0.4ms"),
                ProgressLine.format(swapped));
    }

    /**
     * A metrics file of an earlier version (header {@code oldHeader}, rows {@code oldRows}) is read on resume and
     * rewritten with today's columns; its first row becomes {@code firstRowAfter}. Returns what is read back.
     */
    private static List<IterationMetrics> resumedFrom(Path dir, String oldHeader, String oldRows, String firstRowAfter)
            throws IOException {
        Files.writeString(dir.resolve(MetricsWriter.CSV), oldHeader + "\n" + oldRows);
        Files.writeString(dir.resolve(MetricsWriter.JSONL), "");
        try (MetricsWriter w = MetricsWriter.resume(dir, 1)) {
            w.append(metrics(2, 0.9));
        }
        List<String> csv = Files.readAllLines(dir.resolve(MetricsWriter.CSV));
        assertEquals(List.of(MetricsFormat.CSV_HEADER, firstRowAfter), csv.subList(0, 2));
        return MetricsWriter.read(dir);
    }

    @Test
    void resume_rewritesMetricsOfTheVersionBeforeTheSwapColumns(@TempDir Path dir) throws IOException {
        List<IterationMetrics> read = resumedFrom(dir, MetricsFormat.OLD_CSV_HEADERS.get(0),
                "1,0.13,,29.5,1850.4,12,9,1,3.14,1.23,0.024,4.5,128,0.62,0.71,5.2,0,0,0,0\n"
                + "2,0.2,0.5,29.5,1850.4,12,9,1,3.14,1.23,0.024,4.5,128,0.62,0.71,5.2,0,0,0,0\n",
                "1,0.13,,29.5,1850.4,12,9,1,3.14,1.23,0.024,4.5,128,0.62,0.71,5.2,0,0,0,0,0,0.0,,");
        assertEquals(List.of(1, 2), read.stream().map(IterationMetrics::iteration).toList());
    }

    @Test
    void resume_rewritesMetricsOfTheVersionBeforeTheSwapPercentiles(@TempDir Path dir) throws IOException {
        IterationMetrics first = resumedFrom(dir, MetricsFormat.OLD_CSV_HEADERS.get(1),
                "1,0.13,,29.5,1850.4,12,9,1,3.14,1.23,0.024,4.5,128,0.62,0.71,5.2,0,1,1,0,2,3.5\n",
                "1,0.13,,29.5,1850.4,12,9,1,3.14,1.23,0.024,4.5,128,0.62,0.71,5.2,0,1,1,0,2,3.5,,").get(0);
        assertEquals(2, first.weightSwaps());
        assertTrue(Double.isNaN(first.swapP50Millis()), "percentiles the old file never had are unknown, not 0");
    }

    @Test
    void invalidMetrics_nameTheValue() {
        var e = assertThrows(IllegalArgumentException.class, () -> new IterationMetrics(2, 0.5, 1.5, 10, 1, 0, 0, 0,
                1, 1, 1, 1, 8, 0.5, 0.5, 3, 0, 0, 0, 0));
        assertEquals("held-out accuracy 1.5 of iteration 2 must be in [0, 1] (or NaN when not evaluated)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new IterationMetrics(2, 0.5, 0.5, 10, 1, -1, 0, 0,
                1, 1, 1, 1, 8, 0.5, 0.5, 3, 0, 0, 0, 0));
        assertEquals("partial count -1.0 of iteration 2 must be a finite number >= 0", e.getMessage());
    }

    @Test
    void writer_appendsCsvAndJsonLinesWithOneHeader(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        try (MetricsWriter w = MetricsWriter.open(out)) {
            w.append(metrics(0, 0.25));
            w.append(metrics(1, Double.NaN));
        }
        try (MetricsWriter w = MetricsWriter.open(out)) {
            w.append(metrics(2, 0.5));
        }
        List<String> csv = Files.readAllLines(out.resolve(MetricsWriter.CSV));
        assertEquals(4, csv.size(), "one header and three rows: " + csv);
        assertEquals(MetricsFormat.CSV_HEADER, csv.get(0));
        assertEquals("1,0.13,,29.5,1850.4,12,9,1,3.14,1.23,0.024,4.5,128,0.62,0.71,5.2,0,0,0,0,0,0.0,,", csv.get(2));
        List<String> json = Files.readAllLines(out.resolve(MetricsWriter.JSONL));
        assertEquals(3, json.size());
        assertTrue(json.get(1).startsWith("{\"iteration\":1,\"mean_reward\":0.13,\"held_out_accuracy\":null,"), json.get(1));
        assertEquals(List.of(metrics(0, 0.25), metrics(1, Double.NaN), metrics(2, 0.5)), MetricsWriter.read(out));
    }

    @Test
    void resume_dropsIterationsAfterTheCheckpointAndATornLine(@TempDir Path dir) throws IOException {
        try (MetricsWriter w = MetricsWriter.open(dir)) {
            for (int i = 0; i < 5; i++) {
                w.append(metrics(i, 0.1 * i));
            }
        }
        // A crash in the middle of a write leaves half a line behind.
        Files.writeString(dir.resolve(MetricsWriter.JSONL), "{\"iteration\":5,\"mean_re", StandardOpenOption.APPEND);
        try (MetricsWriter w = MetricsWriter.resume(dir, 2)) {
            w.append(metrics(3, 0.9));
        }
        List<IterationMetrics> rows = MetricsWriter.read(dir);
        assertEquals(List.of(0, 1, 2, 3), rows.stream().map(IterationMetrics::iteration).toList());
        assertEquals(0.9, rows.get(3).heldOutAccuracy(), 0);
        List<String> json = Files.readAllLines(dir.resolve(MetricsWriter.JSONL), StandardCharsets.UTF_8);
        assertEquals(4, json.size());
        assertTrue(json.get(3).startsWith("{\"iteration\":3,"));
    }

    @Test
    void foreignCsv_isRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(MetricsWriter.CSV), "step,loss\n1,0.5\n");
        IOException e = assertThrows(IOException.class, () -> MetricsWriter.open(dir));
        assertTrue(e.getMessage().contains(dir.resolve(MetricsWriter.CSV).toString()), e.getMessage());
    }
}
