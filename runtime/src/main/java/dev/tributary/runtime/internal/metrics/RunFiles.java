package dev.tributary.runtime.internal.metrics;

import dev.tributary.runtime.metrics.IterationMetrics;
import com.typesafe.config.ConfigRenderOptions;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * What a run writes into its out-dir, the same for the embedded job and for the cluster node hosting the master:
 * {@value #RUN_FILE} and {@value #SETTINGS_FILE} (what the run is), one row per iteration in {@code metrics.csv} and
 * {@code metrics.jsonl} (each also handed on as a {@link ProgressLine}), and {@value #CURVES} at the end. An instance
 * is the open metrics of one process's part of a run; {@link #accept} takes the master's iteration reports.
 */
public final class RunFiles implements Consumer<IterationReport>, AutoCloseable {
    /** The run's record of itself, next to its metrics: seed, task and the SFT starting point. */
    public static final String RUN_FILE = "run.properties";
    /** The full resolved tributary.* settings of the run, for reproducing it. */
    public static final String SETTINGS_FILE = "settings.conf";
    /** The learning curves, drawn when the run ends. */
    public static final String CURVES = "curves.png";
    private static final String SFT_ACCURACY = "sft.held-out-accuracy";

    private final TributarySettings settings;
    private MetricsWriter writer;
    private final IntSupplier rolloutWorkers;
    private final Consumer<String> progress;
    private final List<IterationMetrics> metrics = new ArrayList<>();
    private boolean closed;

    private RunFiles(TributarySettings settings, MetricsWriter writer, IntSupplier rolloutWorkers,
                     Consumer<String> progress) {
        this.settings = settings;
        this.writer = writer;
        this.rolloutWorkers = rolloutWorkers;
        this.progress = progress;
    }

    /**
     * Opens the metrics files of the run in the settings' out-dir (creating it), keeping the rows of iterations up
     * to {@code keptThrough} (a resumed run: its checkpoint's iteration; a fresh one: {@link Integer#MAX_VALUE}).
     *
     * @param rolloutWorkers how many rollout workers the run has, for each iteration's worker busy fraction
     * @param progress       receives one {@link ProgressLine} per iteration
     */
    public static RunFiles open(TributarySettings settings, int keptThrough, IntSupplier rolloutWorkers,
                                Consumer<String> progress) throws IOException {
        return new RunFiles(settings, MetricsWriter.resume(settings.run().outDir(), keptThrough), rolloutWorkers,
                progress);
    }

    /** True when {@code dir} holds the files of an earlier run (metrics, run record or checkpoints). */
    public static boolean holdsARun(Path dir) {
        return Files.exists(dir.resolve(MetricsWriter.CSV)) || Files.exists(dir.resolve(RUN_FILE))
                || Files.isDirectory(dir.resolve("checkpoints"));
    }

    /**
     * Refuses, before anything is written, a fresh run into an out-dir that already holds one, naming the key and
     * {@code instead} (what to do about it).
     */
    public static void refuseAnEarlierRun(Path dir, String instead) {
        if (holdsARun(dir)) {
            throw new SettingsException("tributary.run.out-dir", "\"" + dir + "\"", "a directory without an earlier "
                    + "run; " + instead);
        }
    }

    /**
     * Writes {@value #RUN_FILE} (seed, task, held-out accuracy after SFT: NaN while unknown) and
     * {@value #SETTINGS_FILE} into the out-dir, creating it.
     */
    public static void writeRunFiles(TributarySettings settings, double sftAccuracy) throws IOException {
        Path out = settings.run().outDir();
        Files.createDirectories(out);
        Properties p = new Properties();
        p.setProperty("seed", Long.toString(settings.run().seed()));
        p.setProperty("task", settings.task().name());
        p.setProperty(SFT_ACCURACY, Double.toString(sftAccuracy));
        try (var w = Files.newBufferedWriter(out.resolve(RUN_FILE), StandardCharsets.UTF_8)) {
            p.store(w, "Tributary run");
        }
        Files.writeString(out.resolve(SETTINGS_FILE), settings.config().getConfig("tributary").root()
                .render(ConfigRenderOptions.defaults().setOriginComments(false)), StandardCharsets.UTF_8);
    }

    /** The held-out accuracy after SFT recorded in {@code out}'s {@value #RUN_FILE}; NaN without one. */
    public static double readSftAccuracy(Path out) throws IOException {
        Path f = out.resolve(RUN_FILE);
        if (!Files.exists(f)) {
            return Double.NaN;
        }
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return Double.parseDouble(p.getProperty(SFT_ACCURACY, "NaN"));
    }

    /** The metrics row of one iteration, with {@code rolloutWorkers} workers generating during it. */
    public static IterationMetrics metricsOf(IterationReport r, int rolloutWorkers) {
        return new IterationMetrics(r.iteration(), Double.isFinite(r.meanReward()) ? r.meanReward() : 0,
                r.heldOutAccuracy(), Double.isFinite(r.meanResponseLength()) ? r.meanResponseLength() : 0,
                r.tokensPerSecond(), r.rollout().partial(), r.rollout().resumed(), r.rollout().repeatStopped(),
                r.rolloutSeconds(), r.trainSeconds(), r.syncSeconds(), r.handoffMillis(), r.trainedSamples(),
                r.seconds() > 0 && rolloutWorkers > 0 ? r.rollout().busySeconds() / (rolloutWorkers * r.seconds()) : 0,
                r.rollout().slotOccupancy(), r.seconds(), r.staleness().p50(), r.staleness().p99(),
                r.staleness().max(), r.staleness().droppedSamples(), r.rollout().swaps(),
                1000 * r.rollout().maxSwapSeconds(), 1000 * r.rollout().swapPauseQuantile(0.50),
                1000 * r.rollout().swapPauseQuantile(0.99));
    }

    /** The held-out accuracy of the last evaluated iteration of {@code history}; NaN if none was evaluated. */
    public static double finalAccuracy(List<IterationMetrics> history) {
        return history.stream().filter(IterationMetrics::evaluated).reduce((a, b) -> b)
                .map(IterationMetrics::heldOutAccuracy).orElse(Double.NaN);
    }

    /** Records one iteration: a row in both metrics files, then its progress line. */
    @Override
    public void accept(IterationReport r) {
        IterationMetrics m = metricsOf(r, rolloutWorkers.getAsInt());
        synchronized (this) {
            metrics.add(m);
        }
        MetricsWriter w;
        synchronized (this) {
            w = writer;
        }
        w.append(m);
        progress.accept(ProgressLine.format(m));
    }

    /**
     * The run rewound to the checkpoint after {@code iteration} (a lost role was replaced): the rows of later
     * iterations are dropped from both files and from this process's list, to be recorded again.
     */
    public synchronized void rewind(int iteration) throws IOException {
        writer.close();
        writer = MetricsWriter.resume(settings.run().outDir(), iteration);
        metrics.removeIf(m -> m.iteration() > iteration);
    }

    /** The iterations recorded through this instance (this process's part of the run). */
    public synchronized List<IterationMetrics> metrics() {
        return List.copyOf(metrics);
    }

    /**
     * Draws {@value #CURVES} from the whole history in {@code metrics.csv} (earlier processes of a resumed run
     * included), with {@code sftAccuracy} (NaN: none) as the accuracy panel's reference line; returns the history.
     */
    public List<IterationMetrics> plot(double sftAccuracy) throws IOException {
        Path out = settings.run().outDir();
        List<IterationMetrics> history = MetricsWriter.read(out);
        CurvePlot.write(history, settings.task().name() + " · " + settings.trainer().loss() + " · seed "
                + settings.run().seed(), out.resolve(CURVES), sftAccuracy);
        return history;
    }

    /** Closes the metrics files; again: nothing. */
    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            writer.close();
        }
    }
}
