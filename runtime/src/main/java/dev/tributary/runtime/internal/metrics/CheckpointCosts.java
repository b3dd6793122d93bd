package dev.tributary.runtime.internal.metrics;

import dev.tributary.actors.checkpoint.PartReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What each checkpoint cost, per part: one row per part and checkpoint in the out-dir's {@value #FILE}
 * (iteration, part, bytes, seconds its writer took), and a one-line summary for the end of a run. The trainer's
 * and the replay buffer's parts are written at the same time, each where its role runs; the master's commit (its
 * own part, the checks of the others, the manifest) follows them.
 */
public final class CheckpointCosts {
    public static final String FILE = "checkpoints.csv";
    private static final String HEADER = "iteration,part,bytes,seconds";

    private CheckpointCosts() {
    }

    /** Appends the rows of one committed checkpoint. */
    public static void append(Path outDir, List<PartReply.Written> parts) throws IOException {
        Path file = outDir.resolve(FILE);
        StringBuilder rows = new StringBuilder();
        if (!Files.exists(file)) {
            rows.append(HEADER).append('\n');
        }
        for (PartReply.Written w : parts) {
            rows.append(String.format(Locale.ROOT, "%d,%s,%d,%.6f%n", w.iteration(), w.part(), w.bytes(),
                    w.seconds()));
        }
        Files.createDirectories(outDir);
        Files.writeString(file, rows, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** One part's mean over the checkpoints written. */
    public record PartCost(String part, int checkpoints, double meanBytes, double meanSeconds) {
    }

    /** Per part, in the order they first appear; empty when no checkpoint was written. */
    public static List<PartCost> read(Path outDir) throws IOException {
        Path file = outDir.resolve(FILE);
        if (!Files.exists(file)) {
            return List.of();
        }
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split(",");
            if (line.equals(HEADER) || f.length != 4) {
                continue;
            }
            double[] s = sums.computeIfAbsent(f[1], k -> new double[3]);
            s[0]++;
            s[1] += Double.parseDouble(f[2]);
            s[2] += Double.parseDouble(f[3]);
        }
        List<PartCost> out = new ArrayList<>();
        sums.forEach((part, s) -> out.add(new PartCost(part, (int) s[0], s[1] / s[0], s[2] / s[0])));
        return out;
    }

    /**
     * "checkpoints: 9 × (trainer 1.3 MB 0.021 s, replay …; master …), 1.2% of the run's RL time" — the parallel
     * parts count once (the slower), the commit after them; {@code rlSeconds} is the iterations' total time.
     */
    public static Optional<String> summary(Path outDir, double rlSeconds) throws IOException {
        List<PartCost> costs = read(outDir);
        if (costs.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder();
        int checkpoints = 0;
        double parallel = 0;
        double commit = 0;
        for (PartCost c : costs) {
            b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %s in %.3f s", c.part(),
                    bytes(c.meanBytes()), c.meanSeconds()));
            checkpoints = Math.max(checkpoints, c.checkpoints());
            if (c.part().equals("master")) {
                commit = c.meanSeconds();
            } else {
                parallel = Math.max(parallel, c.meanSeconds());
            }
        }
        double total = checkpoints * (parallel + commit);
        return Optional.of(String.format(Locale.ROOT, "checkpoints: %d, each %s; %.1f%% of %.0f s of RL", checkpoints,
                b, 100 * total / Math.max(1e-9, rlSeconds + total), rlSeconds + total));
    }

    private static String bytes(double b) {
        return b >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", b / (1 << 20))
                : b >= 1024 ? String.format(Locale.ROOT, "%.1f kB", b / 1024) : String.format(Locale.ROOT, "%.0f B", b);
    }
}
