package dev.tributary.benchmarks.learning;

import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.model.Prompt;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.train.SftTrainer;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/**
 * Learning evidence: RL with {@code opmd} against {@code grpo}, {@code reinforce}, {@code rest} and continued SFT on
 * the default job, from the same SFT start (per seed, one warm-up whose iteration-0 checkpoint every run resumes
 * from), each at its best of three learning rates, chosen by accuracy on a validation set of held-out prompts
 * (distinct from the test set the table reports). Every RL run goes the same number of iterations, evaluating the
 * test set after each; the table reads each at equal wall time (the shortest run's RL seconds) and at equal trained
 * samples (the fewest any run trained), mean and spread over the seeds. Continued SFT trains on worked solutions,
 * 32 per step, for as long as the longest RL run, evaluating every 10 steps.
 *
 * <p>{@code benchmarks/run AlgorithmComparison [iterations] [seeds] [learning rates]}: defaults 20, 3 and
 * 1e-4,2e-4,5e-4 (continued SFT takes them × 10, an SFT-sized range). Writes algorithm-comparison.png (test accuracy
 * against trained samples, best learning rate, first seed) into the working directory's runs/.
 */
public final class AlgorithmComparison {
    private static final List<String> LOSSES = List.of("opmd", "grpo", "reinforce", "rest");
    private static final String SFT = "continued SFT";
    private static final int SFT_BATCH = 32;

    /** One run's test accuracy after each point (cumulative seconds, cumulative samples), and its validation score. */
    private record Curve(List<double[]> points, double validation) {
        /** Accuracy at the last point within the budget of {@code index} (0 seconds, 1 samples); NaN if none. */
        double at(int index, double budget) {
            double acc = Double.NaN;
            for (double[] p : points) {
                if (p[index] <= budget + 1e-9) {
                    acc = p[2];
                }
            }
            return acc;
        }

        double total(int index) {
            return points.isEmpty() ? 0 : points.get(points.size() - 1)[index];
        }
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        double[] lrs = args.length > 2 ? java.util.Arrays.stream(args[2].split(",")).mapToDouble(Double::parseDouble)
                .toArray() : new double[] {1e-4, 2e-4, 5e-4};
        System.out.printf(Locale.ROOT, "AlgorithmComparison: %s and %s, %d iterations of the default job, %d seed(s), "
                + "learning rates %s, %d cores%n", LOSSES, SFT, iterations, seeds, java.util.Arrays.toString(lrs),
                Runtime.getRuntime().availableProcessors());
        long began = System.nanoTime();
        Path root = Files.createTempDirectory("algorithm-comparison");
        Map<String, List<Map<Double, Curve>>> byMethod = new LinkedHashMap<>();
        for (int s = 0; s < seeds; s++) {
            long seed = 3 + s;
            Path start = warmUp(root.resolve("start-" + seed), seed);
            for (String loss : LOSSES) {
                Map<Double, Curve> perLr = new LinkedHashMap<>();
                for (double lr : lrs) {
                    System.out.printf(Locale.ROOT, "  seed %d, %s, lr %s ...%n", seed, loss, lr);
                    perLr.put(lr, rl(root.resolve(loss + "-" + seed + "-" + lr), start, seed, loss, lr, iterations));
                }
                byMethod.computeIfAbsent(loss, k -> new ArrayList<>()).add(perLr);
            }
        }
        double longest = byMethod.values().stream().flatMap(List::stream).flatMap(m -> m.values().stream())
                .mapToDouble(c -> c.total(0)).max().orElse(0);
        for (int s = 0; s < seeds; s++) {
            long seed = 3 + s;
            Map<Double, Curve> perLr = new LinkedHashMap<>();
            for (double lr : lrs) {
                System.out.printf(Locale.ROOT, "  seed %d, %s, lr %s, %.0f s ...%n", seed, SFT, 10 * lr, longest);
                perLr.put(lr, continuedSft(root.resolve("start-" + seed), seed, 10 * lr, longest));
            }
            byMethod.computeIfAbsent(SFT, k -> new ArrayList<>()).add(perLr);
        }
        double wall = byMethod.entrySet().stream().filter(e -> !e.getKey().equals(SFT))
                .flatMap(e -> e.getValue().stream()).flatMap(m -> m.values().stream()).mapToDouble(c -> c.total(0))
                .min().orElse(0);
        double samples = byMethod.entrySet().stream().filter(e -> !e.getKey().equals(SFT))
                .flatMap(e -> e.getValue().stream()).flatMap(m -> m.values().stream()).mapToDouble(c -> c.total(1))
                .min().orElse(0);
        Table t = new Table("method", "best lr per seed", "test acc. at " + Math.round(wall) + " s (mean, min-max)",
                "test acc. at " + Math.round(samples) + " samples (mean, min-max)", "validation acc.");
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Held-out accuracy against trained samples "
                + "(best learning rate, seed 3)").xAxisTitle("trained samples").yAxisTitle("test accuracy (%)").build();
        for (var e : byMethod.entrySet()) {
            List<String> best = new ArrayList<>();
            List<Double> atWall = new ArrayList<>();
            List<Double> atSamples = new ArrayList<>();
            List<Double> validation = new ArrayList<>();
            for (int s = 0; s < e.getValue().size(); s++) {
                Map<Double, Curve> perLr = e.getValue().get(s);
                double bestLr = perLr.entrySet().stream().max(Map.Entry.comparingByValue(
                        java.util.Comparator.comparingDouble(Curve::validation))).orElseThrow().getKey();
                Curve c = perLr.get(bestLr);
                best.add(String.format(Locale.ROOT, "%.0e", e.getKey().equals(SFT) ? 10 * bestLr : bestLr));
                atWall.add(c.at(0, wall));
                atSamples.add(c.at(1, samples));
                validation.add(c.validation());
                if (s == 0 && !c.points().isEmpty()) {
                    chart.addSeries(e.getKey(), c.points().stream().map(p -> p[1]).toList(),
                            c.points().stream().map(p -> 100 * p[2]).toList());
                }
            }
            t.row(e.getKey(), String.join(" ", best), spread(atWall), spread(atSamples), spread(validation));
        }
        System.out.println();
        System.out.print(t.render());
        Path png = Path.of("runs", "algorithm-comparison.png");
        Files.createDirectories(png.getParent());
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        System.out.printf(Locale.ROOT, "equal wall time: %.1f s of RL (the shortest run); equal samples: %.0f (the "
                + "fewest any RL run trained); %s; %.0f s in all%n", wall, samples, png,
                (System.nanoTime() - began) / 1e9);
        System.exit(0);
    }

    private static String spread(List<Double> xs) {
        double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double min = xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return xs.size() == 1 ? String.format(Locale.ROOT, "%.1f%%", 100 * mean)
                : String.format(Locale.ROOT, "%.1f%% (%.1f-%.1f)", 100 * mean, 100 * min, 100 * max);
    }

    private static TributarySettings settings(Path out, long seed, String extra) {
        return TributarySettings.load(ConfigFactory.parseString(extra + "\ntributary.run { seed = %d, out-dir = \"%s\" }"
                .formatted(seed, out)).withFallback(ConfigFactory.load()));
    }

    /** The seed's SFT warm-up, once: a one-iteration run whose iteration-0 checkpoint every method resumes from. */
    private static Path warmUp(Path out, long seed) throws Exception {
        System.out.printf(Locale.ROOT, "  seed %d: SFT warm-up ...%n", seed);
        TributarySettings s = settings(out, seed, "tributary.run { iterations = 1, checkpoint-every = 1 }");
        try (TributaryRun run = Tributary.start(RunSpec.of(s))) {
            run.result().toCompletableFuture().get(30, TimeUnit.MINUTES);
        }
        return out;
    }

    private static Curve rl(Path out, Path start, long seed, String loss, double lr, int iterations) throws Exception {
        Path from = start.resolve("checkpoints").resolve("iter-0");
        Path to = out.resolve("checkpoints").resolve("iter-0");
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        TributarySettings s = settings(out, seed, """
                tributary.run { resume = true, iterations = %d, checkpoint-every = %d }
                tributary.trainer { loss = %s, learning-rate = %s }
                tributary.eval.every = 1
                """.formatted(iterations, iterations, loss, lr));
        RunResult r;
        try (TributaryRun run = Tributary.start(RunSpec.of(s))) {
            r = run.result().toCompletableFuture().get(30, TimeUnit.MINUTES);
        }
        List<double[]> points = new ArrayList<>();
        double seconds = 0;
        double samples = 0;
        for (IterationMetrics m : r.metrics()) {
            seconds += m.seconds();
            samples += m.trainedSamples();
            if (!Double.isNaN(m.heldOutAccuracy())) {
                points.add(new double[] {seconds, samples, m.heldOutAccuracy()});
            }
        }
        Curve c = new Curve(points, validation(s, r.weights()));
        System.out.printf(Locale.ROOT, "    %d iterations, %.1f s of RL, %.0f samples, test %.1f%%, validation %.1f%%%n",
                r.metrics().size(), c.total(0), c.total(1), 100 * r.finalAccuracy(), 100 * c.validation());
        return c;
    }

    /** SFT on worked solutions from the same start, for {@code seconds}, test accuracy every 10 steps. */
    private static Curve continuedSft(Path start, long seed, double lr, double seconds) throws Exception {
        TributarySettings s = settings(start, seed, "");
        Task task = taskOf(s);
        Params params = params(s, task, new CheckpointStore(start, 3).readTrainer(0).weights());
        Policy policy = new Policy(params, s.model().trainer());
        SftTrainer sft = new SftTrainer(policy, new Optimizer(params, Optimizer.Settings.adam(lr)), task);
        List<Prompt> test = Evaluator.heldOut(task, s.eval().difficulty(), s.eval().prompts(), s.eval().seed());
        SplittableRandom rng = new SplittableRandom(seed);
        List<double[]> points = new ArrayList<>();
        double elapsed = 0;
        int step = 0;
        var d = s.sampler().difficulty();
        while (elapsed < seconds) {
            long t0 = System.nanoTime();
            List<Prompt> batch = new ArrayList<>(SFT_BATCH);
            for (int i = 0; i < SFT_BATCH; i++) {
                batch.add(task.sample(d.start() + rng.nextInt(d.end() - d.start() + 1), Task.Split.TRAIN, rng));
            }
            sft.step(batch);
            step++;
            if (step % 10 == 0) {
                points.add(new double[] {elapsed + (System.nanoTime() - t0) / 1e9, (double) step * SFT_BATCH,
                        accuracy(params, task, test, s)});
            }
            elapsed += (System.nanoTime() - t0) / 1e9; // evaluation time counts, as it does in the RL runs
        }
        Curve c = new Curve(points, validation(s, FlatWeights.export(params, dev.tributary.model.PolicyVersion.INITIAL)));
        System.out.printf(Locale.ROOT, "    %d steps, %.1f s, %.0f samples, test %.1f%%, validation %.1f%%%n", step,
                c.total(0), c.total(1), points.isEmpty() ? Double.NaN : 100 * points.get(points.size() - 1)[2],
                100 * c.validation());
        return c;
    }

    private static Task taskOf(TributarySettings s) {
        return new ArithmeticTask(dev.tributary.model.token.Tokenizer.standard(),
                s.config().getInt("tributary.task.arithmetic.max-digits"),
                s.config().getBoolean("tributary.task.arithmetic.subtraction"));
    }

    private static Params params(TributarySettings s, Task task, FlatWeights w) {
        Params p = Params.initialise(s.model().policy(task.tokenizer().vocabSize()));
        w.importInto(p);
        return p;
    }

    /** Accuracy on 200 held-out prompts other than the test set's (another seed), used only to pick the lr. */
    private static double validation(TributarySettings s, FlatWeights w) {
        Task task = taskOf(s);
        List<Prompt> validation = Evaluator.heldOut(task, s.eval().difficulty(), 200, s.eval().seed() + 1000);
        return accuracy(params(s, task, w), task, validation, s);
    }

    private static double accuracy(Params params, Task task, List<Prompt> prompts, TributarySettings s) {
        InferenceEngine engine = new InferenceEngine(params, 64, s.model().engine());
        try {
            return Evaluator.exactMatch(engine, task, prompts, s.rollout().maxResponseTokens()).accuracy();
        } finally {
            engine.release();
        }
    }
}
