package dev.tributary.benchmarks.rollout;

import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The synchronous driver against the asynchronous one (η = 1, 2, 4, 8, and 8 with truncated importance weights)
 * on the default job in one JVM: the same task and seeds, and the same number of trained samples (those of the
 * synchronous run's steps; an asynchronous run is stopped after the step that reaches them, since a step trains
 * every complete group the buffer holds). Per configuration: trained samples and samples per second of RL time,
 * how busy the rollout workers and the trainer were, the staleness of trained tokens, the weight swaps in the
 * middle of a batch and their longest pause, and held-out accuracy at the end; then the speed-up over synchronous
 * next to the ideal one the synchronous run allows, (rollout time + train time) / max(rollout time, train time).
 *
 * <p>{@code benchmarks/run AsyncBenchmark [steps] [seeds]}: defaults 40 synchronous steps and 1 seed (with more
 * seeds, the accuracy column shows mean and range). Rollout and training share the machine's cores (one JVM, no
 * pinning).
 */
public final class AsyncBenchmark {
    private record Config(String label, String driver, int eta, String correction) {
    }

    private record Figures(int trained, double seconds, double rollout, double train, double rolloutBusy,
                           double stalenessP50, int stalenessP99, double accuracy, int swaps, double maxSwapMillis) {
        double samplesPerSecond() {
            return trained / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        List<Config> configs = List.of(new Config("synchronous", "synchronous", 0, "none"),
                new Config("async η=1", "asynchronous", 1, "none"),
                new Config("async η=2", "asynchronous", 2, "none"),
                new Config("async η=4", "asynchronous", 4, "none"),
                new Config("async η=8", "asynchronous", 8, "none"),
                new Config("async η=8 + tis", "asynchronous", 8, "tis"));
        int samples = steps * 16 * 8; // the synchronous run's: prompts per iteration × samples per prompt
        System.out.printf(Locale.ROOT, "AsyncBenchmark: %d trained samples of the default job per run (%d synchronous "
                + "steps), %d seed(s), %d cores, one JVM%n", samples, steps, seeds,
                Runtime.getRuntime().availableProcessors());
        List<List<Figures>> all = new ArrayList<>();
        for (Config c : configs) {
            List<Figures> perSeed = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                System.out.printf(Locale.ROOT, "  %s, seed %d ...%n", c.label(), 3 + s);
                perSeed.add(run(c, steps, samples, 3 + s));
            }
            all.add(perSeed);
        }
        Figures sync = mean(all.get(0));
        double ideal = (sync.rollout() + sync.train()) / Math.max(sync.rollout(), sync.train());
        Table t = new Table("driver", "trained samples", "samples/s", "rollout busy %", "trainer busy %",
                "staleness p50 / p99", "swaps (max pause)", "held-out accuracy", "speed-up", "% of ideal");
        for (int i = 0; i < configs.size(); i++) {
            Figures f = mean(all.get(i));
            double speedUp = f.samplesPerSecond() / sync.samplesPerSecond();
            t.row(configs.get(i).label(), f.trained(), String.format(Locale.ROOT, "%.1f", f.samplesPerSecond()),
                    String.format(Locale.ROOT, "%.0f", 100 * f.rolloutBusy()),
                    String.format(Locale.ROOT, "%.0f", 100 * f.train() / f.seconds()),
                    String.format(Locale.ROOT, "%.1f / %d", f.stalenessP50(), f.stalenessP99()),
                    f.swaps() == 0 ? "0" : String.format(Locale.ROOT, "%d (%.1f ms)", f.swaps(), f.maxSwapMillis()),
                    accuracy(all.get(i)), String.format(Locale.ROOT, "%.2fx", speedUp),
                    i == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * speedUp / ideal));
        }
        System.out.println();
        System.out.print(t.render());
        System.out.printf(Locale.ROOT, "ideal speed-up from the synchronous run: (rollout %.1f s + train %.1f s) / "
                + "max = %.2fx; target: asynchronous >= 85%% of it%n", sync.rollout(), sync.train(), ideal);
        System.out.println("swaps: weight swaps in the middle of a rollout batch (in-flight updates, the KV cache "
                + "recomputed), per run, and the longest pause one caused its engine");
        System.exit(0);
    }

    private static Figures run(Config c, int steps, int samples, long seed) throws Exception {
        Path out = Files.createTempDirectory("async-benchmark");
        boolean sync = c.driver().equals("synchronous");
        TributarySettings settings = TributarySettings.load(ConfigFactory.parseString("""
                tributary {
                  run { iterations = %d, seed = %d, checkpoint-every = 0, out-dir = "%s" }
                  master { driver = %s, asynchronous.max-staleness = %d }
                  algo.correction.name = %s
                  replay.capacity = 4096
                  eval { prompts = 500, every = %d }
                }
                """.formatted(sync ? steps : 10 * steps, seed, out.resolve("run"), c.driver(), Math.max(c.eta(), 0),
                c.correction(), sync ? steps : 10 * steps)).withFallback(ConfigFactory.load()));
        RunResult r;
        try (TributaryRun run = Tributary.start(RunSpec.of(settings).withProgress(line -> { }))) {
            // An asynchronous run stops after the step that reaches the synchronous run's trained samples (a stopped
            // run is evaluated after its last step).
            while (!sync && !run.result().toCompletableFuture().isDone()) {
                if (run.metrics().stream().mapToInt(IterationMetrics::trainedSamples).sum() >= samples) {
                    run.stopAfterIteration();
                    break;
                }
                Thread.sleep(20);
            }
            r = run.result().toCompletableFuture().get(30, TimeUnit.MINUTES);
        }
        int trained = 0;
        double seconds = 0;
        double rollout = 0;
        double train = 0;
        double busy = 0;
        double p50 = 0;
        int p99 = 0;
        int swaps = 0;
        double maxSwap = 0;
        for (IterationMetrics m : r.metrics()) {
            swaps += m.weightSwaps();
            maxSwap = Math.max(maxSwap, m.maxSwapMillis());
            trained += m.trainedSamples();
            seconds += m.seconds();
            rollout += m.rolloutSeconds();
            train += m.trainSeconds();
            busy += m.workerBusyFraction() * m.seconds();
            p50 += m.stalenessP50();
            p99 = Math.max(p99, m.stalenessP99());
        }
        return new Figures(trained, seconds, rollout, train, busy / seconds, p50 / r.metrics().size(), p99,
                r.finalAccuracy(), swaps, maxSwap);
    }

    private static Figures mean(List<Figures> fs) {
        int n = fs.size();
        return new Figures(fs.stream().mapToInt(Figures::trained).sum() / n,
                fs.stream().mapToDouble(Figures::seconds).sum() / n, fs.stream().mapToDouble(Figures::rollout).sum() / n,
                fs.stream().mapToDouble(Figures::train).sum() / n, fs.stream().mapToDouble(Figures::rolloutBusy).sum() / n,
                fs.stream().mapToDouble(Figures::stalenessP50).sum() / n,
                fs.stream().mapToInt(Figures::stalenessP99).max().orElse(0),
                fs.stream().mapToDouble(Figures::accuracy).sum() / n, fs.stream().mapToInt(Figures::swaps).sum() / n,
                fs.stream().mapToDouble(Figures::maxSwapMillis).max().orElse(0));
    }

    private static String accuracy(List<Figures> fs) {
        double mean = fs.stream().mapToDouble(Figures::accuracy).average().orElse(Double.NaN);
        if (fs.size() == 1) {
            return String.format(Locale.ROOT, "%.1f%%", 100 * mean);
        }
        double min = fs.stream().mapToDouble(Figures::accuracy).min().orElse(Double.NaN);
        double max = fs.stream().mapToDouble(Figures::accuracy).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.1f%% (%.1f–%.1f)", 100 * mean, 100 * min, 100 * max);
    }
}
