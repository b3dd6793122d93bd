package dev.tributary.benchmarks.rollout;

import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.metrics.MetricsWriter;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import com.typesafe.config.Config;
import dev.tributary.testkit.ForkedNodes;
import dev.tributary.testkit.Loopback;
import java.io.IOException;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The synchronous driver against the asynchronous one (η = 1, 2, 4, 8, and 8 with truncated importance weights) on
 * the default job: the same task, seeds, SFT start and number of trained samples (every asynchronous step trains
 * one batch of B groups, as a synchronous iteration does).
 *
 * <p>Rollout and training run on separate cores: per run, two node JVMs on 127.0.0.1 pinned with {@code taskset -c},
 * the head (master and trainer) on CPU 1 and the rollout node (rollout workers, reward, replay buffer) on CPU 0;
 * weights go to the rollout node over the TCP data plane as in any cluster run. Reward scoring and the replay
 * buffer sit with rollout, next to the segments they take in: on the trainer's core they would take CPU from
 * training whenever both run at once, which only the asynchronous driver does. Every run
 * starts as any run does, with the SFT warm-up on the trainer's node, so that the trainer's code is compiled when RL
 * starts (a run resumed from a warm-up checkpoint starts with it cold, and on one core its JIT compiler then takes
 * CPU from training while the asynchronous driver gives training no idle time, slowing exactly that driver); the
 * warm-up is deterministic, so every configuration of a seed starts RL from the same weights. Where {@code taskset}
 * is missing or the machine has one CPU, the runs share one JVM instead (and the table says so).
 *
 * <p>Per configuration: trained samples, samples per second in the steady state (without the first tenth of the
 * steps, at least two, while the JIT compiles the new nodes' code and the pipeline fills, nor the last, which also
 * scores the held-out set), how busy the rollout workers and the trainer were, the staleness of
 * trained tokens, the weight swaps in the middle of a rollout batch with their pause (p50: the median of the steps'
 * medians weighted by their swaps; p99: the largest step's), and held-out accuracy at the end (500 prompts; mean and
 * range over the seeds); then the speed-up over synchronous next to the ideal one the synchronous run allows,
 * (rollout time + train time) / max(rollout time, train time).
 *
 * <p>{@code benchmarks/run AsyncBenchmark [steps] [seeds] [pinned|onejvm]}: defaults 40 steps, 3 seeds, pinned.
 */
public final class AsyncBenchmark {
    private static final int PROMPTS = 16;
    private static final int SAMPLES_PER_PROMPT = 8;

    private record Setup(String label, String driver, int eta, String correction) {
    }

    private record Figures(int trained, double seconds, double rollout, double train, double rolloutBusy,
                           double stalenessP50, int stalenessP99, double accuracy, int swaps, double swapP50Millis,
                           double swapP99Millis, int dropped) {
        double samplesPerSecond() {
            return trained / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean pinned = (args.length > 2 ? args[2] : "pinned").equals("pinned") && canPin();
        List<Setup> configs = List.of(new Setup("synchronous", "synchronous", 0, "none"),
                new Setup("async η=1", "asynchronous", 1, "none"),
                new Setup("async η=2", "asynchronous", 2, "none"),
                new Setup("async η=4", "asynchronous", 4, "none"),
                new Setup("async η=8", "asynchronous", 8, "none"),
                new Setup("async η=8 + tis", "asynchronous", 8, "tis"));
        System.out.printf(Locale.ROOT, "AsyncBenchmark: %d steps of %d prompts x %d samples per run, %d seed(s), %s%n",
                steps, PROMPTS, SAMPLES_PER_PROMPT, seeds, pinned
                        ? "two node JVMs: rollout + reward + replay pinned to CPU 0, master + trainer to CPU 1"
                        : "one JVM, rollout and training sharing " + Runtime.getRuntime().availableProcessors()
                        + " cores (not pinned)");
        Path root = Files.createTempDirectory("async-benchmark");
        List<List<Figures>> all = new ArrayList<>();
        configs.forEach(c -> all.add(new ArrayList<>()));
        for (int s = 0; s < seeds; s++) {
            long seed = 3 + s;
            for (int i = 0; i < configs.size(); i++) {
                Setup c = configs.get(i);
                long t0 = System.nanoTime();
                Figures f = run(c, steps, seed, root.resolve("seed-" + seed + "-" + i), pinned);
                all.get(i).add(f);
                System.out.printf(Locale.ROOT, "  seed %d, %-16s %5.0f samples/s, held-out %.1f%% (%.0f s)%n", seed,
                        c.label() + ":", f.samplesPerSecond(), 100 * f.accuracy(), (System.nanoTime() - t0) / 1e9);
            }
        }
        Figures sync = mean(all.get(0));
        double ideal = (sync.rollout() + sync.train()) / Math.max(sync.rollout(), sync.train());
        Table t = new Table("driver", "trained samples", "samples/s", "rollout busy %", "trainer busy %",
                "staleness p50 / p99", "swaps, pause p50 / p99", "dropped", "held-out accuracy", "speed-up",
                "% of ideal");
        for (int i = 0; i < configs.size(); i++) {
            Figures f = mean(all.get(i));
            double speedUp = f.samplesPerSecond() / sync.samplesPerSecond();
            t.row(configs.get(i).label(), f.trained(), String.format(Locale.ROOT, "%.0f", f.samplesPerSecond()),
                    String.format(Locale.ROOT, "%.0f", 100 * f.rolloutBusy()),
                    String.format(Locale.ROOT, "%.0f", 100 * f.train() / f.seconds()),
                    String.format(Locale.ROOT, "%.1f / %d", f.stalenessP50(), f.stalenessP99()),
                    f.swaps() == 0 ? "0" : String.format(Locale.ROOT, "%d, %.1f / %.1f ms", f.swaps(),
                            f.swapP50Millis(), f.swapP99Millis()),
                    f.dropped(), accuracy(all.get(i)), String.format(Locale.ROOT, "%.2fx", speedUp),
                    i == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * speedUp / ideal));
        }
        System.out.println();
        System.out.print(t.render());
        System.out.printf(Locale.ROOT, "ideal speed-up from the synchronous run: (rollout %.1f s + train %.1f s) / "
                + "max = %.2fx; target: asynchronous >= 85%% of it%n", sync.rollout(), sync.train(), ideal);
        System.out.println("figures are means over the seeds (accuracy: mean and range); samples/s in the steady "
                + "state (not the first tenth of the steps nor the last); swaps: weight swaps in the middle of a "
                + "rollout batch (in-flight updates, the KV cache recomputed) per run");
        System.exit(0);
    }

    /** {@code taskset} runs and there are two CPUs to pin to. */
    private static boolean canPin() {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            return false;
        }
        try {
            return new ProcessBuilder("taskset", "-c", "0", "true").start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String settings(long seed, Path out, String extra) {
        return """
                tributary {
                  run { seed = %d, out-dir = "%s" }
                  eval.prompts = 500
                }
                %s
                """.formatted(seed, out, extra);
    }

    private static Figures run(Setup c, int steps, long seed, Path out, boolean pinned) throws Exception {
        String tributary = settings(seed, out.resolve("run"), """
                tributary {
                  run { iterations = %d, checkpoint-every = 0 }
                  master { driver = %s, asynchronous.max-staleness = %d }
                  algo.correction.name = %s
                  replay.capacity = 4096
                  eval.every = %d
                }
                """.formatted(steps, c.driver(), c.eta(), c.correction(), steps));
        List<IterationMetrics> metrics = pinned ? pinnedRun(tributary, out) : oneJvmRun(tributary);
        return figures(metrics);
    }

    private static List<IterationMetrics> oneJvmRun(String tributary) throws Exception {
        TributarySettings s = TributarySettings.load(ConfigFactory.parseString(tributary)
                .withFallback(ConfigFactory.load()));
        try (TributaryRun run = Tributary.start(RunSpec.of(s).withProgress(line -> { }))) {
            return run.result().toCompletableFuture().get(30, TimeUnit.MINUTES).metrics();
        }
    }

    /**
     * Two node JVMs, each pinned to a CPU of its own: the head (master, trainer) on CPU 1, the rollout node
     * (rollout, reward, replay) on CPU 0. Both exit once the run is over; either is killed if it is still there
     * after that.
     */
    private static List<IterationMetrics> pinnedRun(String tributary, Path out) throws Exception {
        Config settings = ConfigFactory.parseString(tributary).withFallback(ConfigFactory.load());
        int rolloutWorkers = TributarySettings.load(settings).rollout().workers();
        int port = Loopback.freePorts(1)[0];
        try (ForkedNodes forked = new ForkedNodes(out, List.of("-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=4G",
                "--add-modules", "jdk.incubator.vector"))) {
            // A split brain resolver, as the overlays of cluster-config have: a node that goes unreachable while it
            // leaves at the run's end is downed after 2 s instead of holding the other's own leave for a minute.
            Path conf = forked.writeSettings("node", ConfigFactory.parseString("""
                    tributary.cluster.min-rollout-workers = %d
                    pekko.cluster {
                      downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
                      split-brain-resolver {
                        active-strategy = keep-oldest
                        keep-oldest.down-if-alone = off
                        stable-after = 2s
                      }
                    }
                    """.formatted(rolloutWorkers)).withFallback(settings));
            ForkedNodes.Node head = forked.start("head", "master,trainer", port, port, conf, "1");
            ForkedNodes.Node rollout = forked.start("rollout", "rollout,reward,replay", 0, port, conf, "0");
            int exit = head.awaitExit(Duration.ofMinutes(30));
            if (exit != 0) {
                throw new IllegalStateException("the head node did not finish its run (exit " + exit + "); its log:\n"
                        + tail(head.output()) + "\nthe rollout node's log:\n" + tail(rollout.output()));
            }
            try {
                rollout.awaitExit(Duration.ofSeconds(60));
            } catch (AssertionError stillRunning) {
                // Kept for whoever looks into it: where the node that did not leave was stuck.
                Path stacks = out.resolve("rollout-stacks.txt");
                new ProcessBuilder("jstack", String.valueOf(rollout.pid())).redirectErrorStream(true)
                        .redirectOutput(stacks.toFile()).start().waitFor(30, TimeUnit.SECONDS);
                System.out.println("  the rollout node had not exited 60 s after the run ended; killed (stacks in "
                        + stacks + ")");
            }
        }
        return MetricsWriter.read(out.resolve("run"));
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static Figures figures(List<IterationMetrics> all) {
        // The steady state: not the first tenth of the steps (at least two: the JIT compiles the new nodes' code, the
        // asynchronous pipeline fills), nor the last (it also scores the held-out set).
        int skip = Math.max(2, all.size() / 10);
        List<IterationMetrics> timed = all.size() > skip + 1 ? all.subList(skip, all.size() - 1) : all;
        int trained = all.stream().mapToInt(IterationMetrics::trainedSamples).sum();
        int timedSamples = timed.stream().mapToInt(IterationMetrics::trainedSamples).sum();
        double seconds = timed.stream().mapToDouble(IterationMetrics::seconds).sum();
        double rollout = timed.stream().mapToDouble(IterationMetrics::rolloutSeconds).sum();
        double train = timed.stream().mapToDouble(IterationMetrics::trainSeconds).sum();
        double busy = timed.stream().mapToDouble(m -> m.workerBusyFraction() * m.seconds()).sum();
        double p50 = all.stream().mapToInt(IterationMetrics::stalenessP50).average().orElse(0);
        int p99 = all.stream().mapToInt(IterationMetrics::stalenessP99).max().orElse(0);
        int swaps = all.stream().mapToInt(IterationMetrics::weightSwaps).sum();
        int dropped = all.stream().mapToInt(IterationMetrics::droppedStale).sum();
        double accuracy = all.get(all.size() - 1).heldOutAccuracy();
        // Times are scaled from the timed steps to the whole run's trained samples, so that samples/s is theirs.
        double scale = (double) trained / Math.max(1, timedSamples);
        return new Figures(trained, seconds * scale, rollout * scale, train * scale, seconds > 0 ? busy / seconds : 0,
                p50, p99, accuracy, swaps, weightedMedianOfSwapMedians(all), all.stream()
                .filter(m -> m.weightSwaps() > 0).mapToDouble(IterationMetrics::swapP99Millis).max()
                .orElse(Double.NaN), dropped);
    }

    /** The steps' median swap pauses, each counted as often as the step swapped: their median. */
    private static double weightedMedianOfSwapMedians(List<IterationMetrics> all) {
        List<IterationMetrics> swapped = all.stream().filter(m -> m.weightSwaps() > 0)
                .sorted(Comparator.comparingDouble(IterationMetrics::swapP50Millis)).toList();
        int total = swapped.stream().mapToInt(IterationMetrics::weightSwaps).sum();
        int seen = 0;
        for (IterationMetrics m : swapped) {
            seen += m.weightSwaps();
            if (2 * seen >= total) {
                return m.swapP50Millis();
            }
        }
        return Double.NaN;
    }

    private static Figures mean(List<Figures> fs) {
        int n = fs.size();
        return new Figures(fs.stream().mapToInt(Figures::trained).sum() / n,
                fs.stream().mapToDouble(Figures::seconds).sum() / n,
                fs.stream().mapToDouble(Figures::rollout).sum() / n,
                fs.stream().mapToDouble(Figures::train).sum() / n,
                fs.stream().mapToDouble(Figures::rolloutBusy).sum() / n,
                fs.stream().mapToDouble(Figures::stalenessP50).sum() / n,
                fs.stream().mapToInt(Figures::stalenessP99).max().orElse(0),
                fs.stream().mapToDouble(Figures::accuracy).sum() / n, fs.stream().mapToInt(Figures::swaps).sum() / n,
                median(fs.stream().mapToDouble(Figures::swapP50Millis).filter(d -> !Double.isNaN(d)).sorted()
                        .toArray()),
                fs.stream().mapToDouble(Figures::swapP99Millis).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN),
                fs.stream().mapToInt(Figures::dropped).sum() / n);
    }

    /** The middle value of {@code sorted} (the lower of the two middle ones); NaN when empty. */
    private static double median(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[(sorted.length - 1) / 2];
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
