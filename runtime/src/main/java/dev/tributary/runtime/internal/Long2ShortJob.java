package dev.tributary.runtime.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Prompt;
import dev.tributary.model.algo.ModelMerge;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import dev.tributary.model.train.DpoTrainer;
import dev.tributary.model.train.Evaluator;
import dev.tributary.model.train.Long2ShortData;
import dev.tributary.model.train.SftTrainer;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.internal.metrics.RunFiles;
import dev.tributary.runtime.settings.Long2ShortSettings;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code tributary long2short --from <run dir>}: the four long2short methods of Kimi k1.5 §2.4 on the policy of a
 * run trained with the long scratchpad, each measured on the run's held-out prompts (greedy, the run's response
 * cap): model merge with a short policy (warmed up on the short scratchpad from the same initial weights), shortest
 * rejection sampling, DPO, and long2short RL (the run resumed from its newest checkpoint with a length penalty and
 * a much lower maximum rollout length).
 */
public final class Long2ShortJob {
    /** One policy's figures. */
    public record Row(String method, double meanTokens, double accuracy) {
        /** Response tokens spent per correct answer. */
        public double tokensPerCorrect() {
            return accuracy == 0 ? Double.POSITIVE_INFINITY : meanTokens / accuracy;
        }
    }

    private Long2ShortJob() {
    }

    /** The run's settings as it ran them, with {@code overrides} (full paths) over them. */
    public static TributarySettings runSettings(Path from, Map<String, ?> overrides) {
        if (!Files.isDirectory(from)) {
            throw new IllegalArgumentException("--from " + from + ": no such directory");
        }
        Path file = from.resolve(RunFiles.SETTINGS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--from " + from + ": holds no run (no " + RunFiles.SETTINGS_FILE
                    + "); give the out-dir of a tributary train run");
        }
        Config run = ConfigFactory.parseFile(file.toFile()).atPath("tributary");
        return TributarySettings.load(TributarySettings.withOverrides(run, overrides));
    }

    /** Runs every method; {@code out} receives the RL run's files. */
    public static List<Row> run(Path from, TributarySettings settings, Path out, Consumer<String> progress) {
        Long2ShortSettings l2s = Long2ShortSettings.of(settings);
        if (!"long".equals(settings.config().getString("tributary.task.arithmetic.scratchpad"))
                || !settings.task().name().equals(ArithmeticTask.NAME)) {
            throw new IllegalArgumentException("--from " + from + ": its task is " + settings.task().name()
                    + " with the " + settings.config().getString("tributary.task.arithmetic.scratchpad")
                    + " scratchpad; long2short needs a run of arithmetic with tributary.task.arithmetic.scratchpad "
                    + "= long");
        }
        Path checkpoints = from.resolve("checkpoints");
        Checkpoint newest = newest(from, checkpoints, progress);
        RunParts parts = new RunParts(settings, Plugins.builtIn(), Topology.of(settings, RoleKeys.ALL), () -> {
            throw new IllegalStateException("long2short needs no sandbox");
        });
        Task task = parts.task();
        int cap = settings.rollout().maxResponseTokens();
        List<Prompt> heldOut = parts.heldOut();
        List<Row> rows = new ArrayList<>();
        Params longParams = params(parts, newest.weights());
        rows.add(measure("long policy (iteration " + newest.iteration() + ")", longParams, parts, cap, progress));

        progress.accept("short policy: the same warm-up on the short scratchpad, from the same initial weights");
        TributarySettings shortSettings = TributarySettings.load(TributarySettings.withOverrides(settings.config(),
                Map.of("tributary.task.arithmetic.scratchpad", "short")));
        RunParts shortParts = new RunParts(shortSettings, Plugins.builtIn(), Topology.of(shortSettings, RoleKeys.ALL),
                () -> {
                    throw new IllegalStateException("long2short needs no sandbox");
                });
        shortParts.warmUp(line -> { }, () -> false);
        Params shortParams = shortParts.policy().params();
        rows.add(measure("short policy (short scratchpad SFT)", shortParams, parts, cap, progress));

        FlatWeights longWeights = FlatWeights.export(longParams, PolicyVersion.INITIAL);
        FlatWeights shortWeights = FlatWeights.export(shortParams, PolicyVersion.INITIAL);
        for (double w : l2s.mergeWeights()) {
            FlatWeights merged = ModelMerge.average(List.of(longWeights, shortWeights), new double[] {w, 1 - w},
                    PolicyVersion.INITIAL);
            rows.add(measure(String.format(Locale.ROOT, "model merge (%.2f long + %.2f short)", w, 1 - w),
                    params(parts, merged), parts, cap, progress));
        }

        SplittableRandom rng = new SplittableRandom(settings.run().seed() ^ 0x2F5A1L);
        List<Prompt> pool = parts.pool().all();
        List<Prompt> prompts = new ArrayList<>(l2s.prompts());
        for (int i = 0; i < l2s.prompts(); i++) {
            prompts.add(pool.get(rng.nextInt(pool.size())));
        }
        InferenceEngine engine = new InferenceEngine(longParams, 64, settings.model().engine());
        List<Long2ShortData.Sampled> sampled;
        try {
            sampled = Long2ShortData.sample(engine, task, prompts, l2s.samples(), cap, rng.nextLong());
        } finally {
            engine.release();
        }
        var examples = Long2ShortData.shortestCorrect(sampled);
        var preferences = Long2ShortData.preferences(sampled, l2s.longRatio());
        progress.accept(String.format(Locale.ROOT, "sampled %d × %d responses from the long policy: %d prompts with a "
                + "correct one (SFT data), %d with DPO pairs (%d pairs)", prompts.size(), l2s.samples(),
                examples.size(), preferences.size(), preferences.stream().mapToInt(p -> p.pairs().size()).sum()));

        rows.add(measure("shortest rejection sampling (n=" + l2s.samples() + ")",
                rejectionSampling(parts, newest.weights(), examples, l2s, rng.nextLong()), parts, cap, progress));
        rows.add(measure("DPO (shortest correct vs wrong and >= " + l2s.longRatio() + "x longer)",
                dpo(parts, newest.weights(), preferences, l2s, rng.nextLong()), parts, cap, progress));
        rows.add(measure("long2short RL (length penalty " + l2s.rlLengthPenalty() + ", max " + l2s.rlMaxTokens()
                + " tokens)", params(parts, rl(from, checkpoints, newest, settings, l2s, out, progress)), parts, cap,
                progress));
        return rows;
    }

    private static Checkpoint newest(Path from, Path checkpoints, Consumer<String> progress) {
        try {
            return CheckpointStore.at(checkpoints, 3).newestIntact(progress).orElseThrow(() ->
                    new IllegalArgumentException("--from " + from + ": no intact checkpoint under " + checkpoints));
        } catch (IOException e) {
            throw new IllegalArgumentException("--from " + from + ": its checkpoints cannot be read: "
                    + e.getMessage(), e);
        }
    }

    private static Params params(RunParts parts, FlatWeights weights) {
        Params p = Params.initialise(parts.policy().config());
        weights.importInto(p);
        return p;
    }

    private static Row measure(String method, Params params, RunParts parts, int cap, Consumer<String> progress) {
        InferenceEngine engine = new InferenceEngine(params, 64, parts.settings().model().engine());
        try {
            Evaluator.Result r = Evaluator.exactMatch(engine, parts.task(), parts.heldOut(), cap);
            progress.accept(String.format(Locale.ROOT, "%-55s %5.1f tokens, %5.1f%% held-out", method,
                    r.meanLength(), 100 * r.accuracy()));
            return new Row(method, r.meanLength(), r.accuracy());
        } finally {
            engine.release();
        }
    }

    /** SFT of the long policy on each prompt's shortest correct response. */
    private static Params rejectionSampling(RunParts parts, FlatWeights start, List<Long2ShortData.Example> data,
                                            Long2ShortSettings l2s, long seed) {
        Params p = params(parts, start);
        if (data.isEmpty()) {
            return p;
        }
        Policy policy = new Policy(p, parts.settings().model().trainer());
        SftTrainer sft = new SftTrainer(policy, new Optimizer(p, Optimizer.Settings.adam(l2s.sftLearningRate())),
                parts.task());
        SplittableRandom rng = new SplittableRandom(seed);
        for (int step = 0; step < l2s.sftSteps(); step++) {
            List<Prompt> prompts = new ArrayList<>();
            List<int[]> responses = new ArrayList<>();
            for (int i = 0; i < l2s.batchPrompts(); i++) {
                Long2ShortData.Example e = data.get(rng.nextInt(data.size()));
                prompts.add(e.prompt());
                responses.add(e.response());
            }
            sft.step(prompts, responses);
        }
        return p;
    }

    /** DPO of the long policy, its own weights before training as the reference. */
    private static Params dpo(RunParts parts, FlatWeights start, List<Long2ShortData.Preferences> data,
                              Long2ShortSettings l2s, long seed) {
        Params p = params(parts, start);
        if (data.isEmpty()) {
            return p;
        }
        Policy reference = new Policy(params(parts, start), parts.settings().model().trainer());
        List<DpoTrainer.Group> groups = new ArrayList<>(data.size());
        for (Long2ShortData.Preferences d : data) {
            var s = d.sampled();
            groups.add(new DpoTrainer.Group(s.prompt(), s.responses(),
                    DpoTrainer.logProbs(reference, s.prompt(), s.responses()), d.pairs()));
        }
        Policy policy = new Policy(p, parts.settings().model().trainer());
        DpoTrainer trainer = new DpoTrainer(policy, new Optimizer(p, Optimizer.Settings.adam(l2s.dpoLearningRate())),
                l2s.dpoBeta());
        SplittableRandom rng = new SplittableRandom(seed);
        for (int step = 0; step < l2s.dpoSteps(); step++) {
            List<DpoTrainer.Group> batch = new ArrayList<>();
            for (int i = 0; i < l2s.batchPrompts(); i++) {
                batch.add(groups.get(rng.nextInt(groups.size())));
            }
            trainer.step(batch);
        }
        return p;
    }

    /**
     * long2short RL: the run continued from its newest checkpoint (copied into {@code out}, with the run's metrics)
     * with the length penalty on from the start and the lower rollout cap; returns its final weights.
     */
    private static FlatWeights rl(Path from, Path checkpoints, Checkpoint newest, TributarySettings settings,
                                  Long2ShortSettings l2s, Path out, Consumer<String> progress) {
        Path rlDir = out.resolve("long2short-rl");
        try {
            if (Files.exists(rlDir)) {
                throw new IllegalArgumentException("--out " + out + ": " + rlDir + " already exists; choose another");
            }
            Path target = rlDir.resolve("checkpoints").resolve("iter-" + newest.iteration());
            Files.createDirectories(target);
            try (Stream<Path> files = Files.list(checkpoints.resolve("iter-" + newest.iteration()))) {
                for (Path f : files.toList()) {
                    Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            for (String f : List.of("metrics.csv", "metrics.jsonl", RunFiles.RUN_FILE, RunFiles.SETTINGS_FILE)) {
                if (Files.exists(from.resolve(f))) {
                    Files.copy(from.resolve(f), rlDir.resolve(f));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the long2short RL run in " + rlDir + ": " + e.getMessage(),
                    e);
        }
        Map<String, Object> o = new java.util.HashMap<>();
        o.put("tributary.run.out-dir", rlDir.toString());
        o.put("tributary.run.checkpoint-dir", rlDir.resolve("checkpoints").toString());
        o.put("tributary.run.resume", true);
        o.put("tributary.run.iterations", newest.iteration() + l2s.rlIterations());
        o.put("tributary.run.checkpoint-every", l2s.rlIterations());
        o.put("tributary.reward.length-penalty-weight", l2s.rlLengthPenalty());
        o.put("tributary.reward.length-penalty-warmup-iterations", 0);
        o.put("tributary.rollout.max-response-tokens", l2s.rlMaxTokens());
        o.put("tributary.rollout.token-budget", Math.min(settings.rollout().tokenBudget(), l2s.rlMaxTokens()));
        o.put("tributary.eval.every", l2s.rlIterations());
        TributarySettings rl = TributarySettings.load(TributarySettings.withOverrides(settings.config(), o));
        progress.accept("long2short RL: " + l2s.rlIterations() + " iterations from iteration " + newest.iteration()
                + ", into " + rlDir);
        try (TributaryRun run = Tributary.start(RunSpec.of(rl).withProgress(line -> {
            if (line.startsWith("iter ")) {
                progress.accept("  " + line);
            }
        }))) {
            RunResult r = run.result().toCompletableFuture().get(30, TimeUnit.MINUTES);
            return r.weights();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the long2short RL run failed: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the long2short RL run did not end within 30 minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Writes the accuracy-against-tokens plot (XChart PNG). */
    public static void plot(List<Row> rows, Path png) throws IOException {
        Long2ShortPlot.write(rows, png);
    }

    /** The table: method, mean response tokens, held-out accuracy, tokens per correct answer, and against long. */
    public static String table(List<Row> rows) {
        Row base = rows.get(0);
        StringBuilder b = new StringBuilder("| method | mean response tokens | held-out accuracy | tokens per correct "
                + "answer | tokens vs long | accuracy vs long |").append(System.lineSeparator());
        b.append("|---|---|---|---|---|---|").append(System.lineSeparator());
        for (Row r : rows) {
            String perCorrect = Double.isInfinite(r.tokensPerCorrect()) ? "- (none correct)"
                    : String.format(Locale.ROOT, "%.1f", r.tokensPerCorrect());
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f%% | %s | %+.0f%% | %+.1f points |%n",
                    r.method(), r.meanTokens(), 100 * r.accuracy(), perCorrect,
                    100 * (r.meanTokens() / base.meanTokens() - 1), 100 * (r.accuracy() - base.accuracy())));
        }
        return b.toString();
    }
}
