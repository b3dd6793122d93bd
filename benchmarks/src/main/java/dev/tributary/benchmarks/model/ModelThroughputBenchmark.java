package dev.tributary.benchmarks.model;

import dev.tributary.benchmarks.Table;
import dev.tributary.model.Prompt;
import dev.tributary.model.engine.EngineBackend;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Params;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.policy.TrainerBackend;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.DigitsTask;
import dev.tributary.model.task.Task;
import dev.tributary.model.task.Tasks;
import dev.tributary.model.train.SftTrainer;
import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Throughput of the engine and the trainer next to the ceiling of this machine measured in the same run, before
 * (the ND4J engine backend and the SameDiff trainer, as at 6e098ba) and after (the Java backends), for each model
 * preset.
 *
 * <p>Workload: the engine decodes 4×slots arithmetic prompts of 4 digits (11 prompt tokens, up to 40 new tokens,
 * temperature 1) at 1, 16 and 64 slots. The occupancy rows give 13 requests (10% of 128 slots) to a 128-slot
 * and to a 16-slot engine: the ratio of their times is what idle slots cost. The trainer takes SFT steps of 32
 * worked solutions of 2–4 digits (an SFT step: forward, backward, Adam). GFLOP/s counts useful work: 2 FLOPs per multiply-add of the forward pass at each
 * position actually processed (attention over that position's own prefix), and 3× that for a training step. The
 * ceiling is a plain ND4J {@code mmul} of two 1024×1024 float matrices.
 *
 * <p>Then the main job: {@code bin/tributary train} with its defaults (SFT warm-up, then the RL iterations, every
 * role in this JVM), timed from start to result, and its useful GFLOP/s end to end: the FLOPs of SFT, rollout and
 * training over the wall time, beside the same ceiling. Its FLOPs are counted from the run's own metrics with the
 * same convention: rollout, the prompts' prefill (prompts x samples per iteration, at the task's mean prompt length)
 * and every generated token (each iteration's tokens, from its tokens/s and rollout time) at the mean position of
 * its response; training, 3x the forward pass of every trained sample at the iteration's mean response length; SFT,
 * 3x the forward pass of every worked solution (mean over 2,000 drawn from the task). Held-out evaluation, the
 * prefixes that resumed partial rollouts feed again and padding are not counted.
 *
 * <p>Image prompts ({@code vision}): the {@code digits} task's prompts (an 8×16 picture, 8 patches of 4×4, before
 * 5 text tokens) on the default preset with its vision front end, against the same prompts without the picture on
 * the text model of the same shape, in the Java engine (64 slots, 64 requests a round, each the prompt and its
 * worked solution but EOS as the prefix and one new token, so both sides feed the same text positions) and
 * the Java trainer (SFT steps of 32 worked solutions): the ratio is what prefilling and attending to the patches
 * costs.
 *
 * <p>Run: {@code benchmarks/run ModelThroughputBenchmark [seconds-per-row] [presets, e.g. default,small,vision]
 * [job|nojob]} (defaults 4, all three, job).
 */
public final class ModelThroughputBenchmark {
    private ModelThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 4;
        List<String> presets = new ArrayList<>(args.length > 1 ? List.of(args[1].split(",")) : PolicyConfig.PRESETS);
        boolean vision = args.length <= 1 || presets.remove("vision");
        boolean job = args.length <= 2 || !args[2].equals("nojob");
        ArithmeticTask task = ArithmeticTask.standard();
        System.out.printf("Model throughput — cores=%d  OMP_NUM_THREADS=%s  %.0f s per cell%n",
                Runtime.getRuntime().availableProcessors(), System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"),
                seconds);
        double ceiling = matmulGflops(1024, 1024, 1024, seconds);
        System.out.printf("ND4J mmul 1024×1024×1024 (the ceiling): %.1f GFLOP/s%n%n", ceiling);
        for (String preset : presets) {
            PolicyConfig cfg = PolicyConfig.preset(preset, task.tokenizer().vocabSize());
            System.out.printf("preset %s: d=%d, layers=%d, heads=%d, ff=%d, context=%d, vocab=%d, %,d parameters%n",
                    preset, cfg.dModel(), cfg.layers(), cfg.heads(), cfg.ffHidden(), cfg.contextLength(),
                    cfg.vocabSize(), Policy.create(cfg).params().count());
            Table t = new Table("workload", "before (nd4j) tok/s", "% of ceiling", "after (java) tok/s", "GFLOP/s",
                    "% of ceiling", "after/before");
            for (int slots : new int[] {1, 16, 64}) {
                Decode before = decode(cfg, task, EngineBackend.ND4J, slots, 4 * slots, seconds);
                Decode after = decode(cfg, task, EngineBackend.JAVA, slots, 4 * slots, seconds);
                t.row("engine decode, batch " + slots, f0(before.tokensPerSecond), pct(before.gflops, ceiling),
                        f0(after.tokensPerSecond), f2(after.gflops), pct(after.gflops, ceiling),
                        ratio(after.tokensPerSecond, before.tokensPerSecond));
            }
            for (EngineBackend b : new EngineBackend[] {EngineBackend.ND4J, EngineBackend.JAVA}) {
                // Interleaved and best of three: the two engines see the same (shared) machine.
                double wide = 0;
                double narrow = 0;
                for (int rep = 0; rep < 3; rep++) {
                    wide = Math.max(wide, decode(cfg, task, b, 128, 13, seconds / 2).tokensPerSecond);
                    narrow = Math.max(narrow, decode(cfg, task, b, 16, 13, seconds / 2).tokensPerSecond);
                }
                System.out.printf("  %s: 13 requests (10%% of 128 slots) on 128 slots cost %.2f× their cost on 16 slots"
                        + " (%,.0f vs %,.0f tok/s, best of 3)%n", b.name().toLowerCase(), narrow / wide, wide, narrow);
            }
            double[] before = train(cfg, task, TrainerBackend.SAMEDIFF, seconds);
            double[] after = train(cfg, task, TrainerBackend.JAVA, seconds);
            t.row("trainer step, batch 32 (positions/s)", f0(before[0]), pct(before[1], ceiling), f0(after[0]),
                    f2(after[1]), pct(after[1], ceiling), ratio(after[0], before[0]));
            System.out.println(t.render());
        }
        if (vision) {
            imagePrompts(seconds);
        }
        if (job) {
            mainJob(ceiling);
        }
    }

    /** The main job's useful GFLOP/s end to end, counted as the class comment says, beside the ceiling. */
    private static void mainJob(double ceiling) throws Exception {
        Path out = Files.createTempDirectory("bench-main-job");
        TributarySettings s = TributarySettings.load(ConfigFactory.parseMap(Map.of(
                "tributary.run.out-dir", out.toString(), "tributary.run.checkpoint-every", 0))
                .withFallback(ConfigFactory.load()));
        var choice = s.plugins().get(Tasks.KEY);
        Task task = Tasks.registry().create(choice.name(), choice.settings(), new Tasks.Context(s.run().seed()));
        PolicyConfig cfg = s.model().policy(task.tokenizer().vocabSize());
        System.out.printf("main job (bin/tributary train's defaults, one JVM): %d SFT steps x %d, %d iterations of "
                + "%d prompts x %d samples, model d-model x layers %s...%n", s.sft().steps(), s.sft().batchSize(), s.run().iterations(),
                s.sampler().promptsPerIteration(), s.sampler().samplesPerPrompt(),
                cfg.dModel() + "x" + cfg.layers());
        long start = System.nanoTime();
        List<IterationMetrics> metrics;
        try (TributaryRun run = Tributary.start(RunSpec.of(s))) {
            run.result().toCompletableFuture().get();
            metrics = run.metrics();
        }
        double wall = (System.nanoTime() - start) / 1e9;
        // Mean prompt and worked-solution lengths of the task at the sampler's difficulty (2 digits by default).
        SplittableRandom rng = new SplittableRandom(5);
        double promptLength = 0;
        double sftMacs = 0;
        int draws = 2_000;
        for (int i = 0; i < draws; i++) {
            Prompt p = task.sample(s.sampler().difficulty().start(), Task.Split.TRAIN, rng);
            promptLength += p.length();
            sftMacs += forwardMacs(cfg, p.length() + task.workedSolution(p).length - 1);
        }
        promptLength /= draws;
        double sft = 3 * 2.0 * sftMacs / draws * s.sft().steps() * s.sft().batchSize();
        int newSamples = s.sampler().promptsPerIteration() * s.sampler().samplesPerPrompt();
        double rollout = 0;
        double training = 0;
        double rolloutSeconds = 0;
        double trainSeconds = 0;
        for (IterationMetrics m : metrics) {
            double tokens = m.tokensPerSecond() * m.rolloutSeconds();
            rollout += 2.0 * (newSamples * forwardMacs(cfg, (int) Math.round(promptLength))
                    + tokens * cfg.forwardMacsPerToken((int) Math.round(promptLength + m.meanResponseLength() / 2)));
            training += 3 * 2.0 * m.trainedSamples()
                    * forwardMacs(cfg, (int) Math.round(promptLength + m.meanResponseLength() - 1));
            rolloutSeconds += m.rolloutSeconds();
            trainSeconds += m.trainSeconds();
        }
        double total = sft + rollout + training;
        Table t = new Table("part", "GFLOP", "GFLOP/s over the job's wall time", "% of ceiling");
        t.row("SFT warm-up", f2(sft / 1e9), f2(sft / wall / 1e9), pct(sft / wall / 1e9, ceiling));
        t.row("rollout", f2(rollout / 1e9), f2(rollout / wall / 1e9), pct(rollout / wall / 1e9, ceiling));
        t.row("RL training", f2(training / 1e9), f2(training / wall / 1e9), pct(training / wall / 1e9, ceiling));
        t.row("main job, end to end", f2(total / 1e9), f2(total / wall / 1e9), pct(total / wall / 1e9, ceiling));
        System.out.printf("main job: %.1f s wall (RL iterations: rollout %.1f s, training %.1f s of %.1f s), "
                + "ceiling %.1f GFLOP/s%n", wall, rolloutSeconds, trainSeconds,
                metrics.stream().mapToDouble(IterationMetrics::seconds).sum(), ceiling);
        System.out.println(t.render());
    }

    /** Multiply-adds of a forward pass over {@code positions} positions, each attending to its own prefix. */
    private static double forwardMacs(PolicyConfig cfg, int positions) {
        double macs = 0;
        for (int pos = 0; pos < positions; pos++) {
            macs += cfg.forwardMacsPerToken(pos + 1);
        }
        return macs;
    }

    /** The vision rows: digits prompts with their picture against the same prompts as text, engine and trainer. */
    private static void imagePrompts(double seconds) {
        DigitsTask task = DigitsTask.standard();
        PolicyConfig text = PolicyConfig.defaults(task.tokenizer().vocabSize());
        PolicyConfig vision = text.withVision(task.vision());
        System.out.printf("image prompts: task digits, %s picture = %d patches of %d×%d before 5 text tokens; "
                + "default preset, %,d parameters with the front end (%,d without)%n", task.vision().imageShape(),
                task.vision().patchesPerImage(), task.vision().patch(), task.vision().patch(),
                Params.initialise(vision).count(), Params.initialise(text).count());
        Table t = new Table("workload (java backends)", "text only", "with picture", "picture/text",
                "positions per sequence, text → with picture");
        double[] textDecode = new double[2];
        double[] imageDecode = new double[2];
        double[] textTrain = new double[2];
        double[] imageTrain = new double[2];
        for (int rep = 0; rep < 2; rep++) {
            // Interleaved, best of two: both see the same (shared) machine.
            textDecode = max(textDecode, decodeDigits(text, task, false, seconds / 2));
            imageDecode = max(imageDecode, decodeDigits(vision, task, true, seconds / 2));
            textTrain = max(textTrain, trainDigits(text, task, false, seconds / 2));
            imageTrain = max(imageTrain, trainDigits(vision, task, true, seconds / 2));
        }
        int patches = task.vision().patchesPerImage();
        t.row("engine prefill + 1 token, 64 requests on 64 slots (requests/s)", f0(textDecode[0]), f0(imageDecode[0]),
                f2(imageDecode[0] / textDecode[0]) + "×", String.format("%.1f → %.1f fed", textDecode[1],
                        textDecode[1] + patches));
        t.row("trainer SFT step, batch 32 (sequences/s)", f0(textTrain[0]), f0(imageTrain[0]),
                f2(imageTrain[0] / textTrain[0]) + "×", String.format("%.1f → %.1f", textTrain[1],
                        textTrain[1] + patches));
        System.out.println(t.render());
    }

    private static double[] max(double[] best, double[] next) {
        return next[0] > best[0] ? next : best;
    }

    private static List<Prompt> digitsPrompts(DigitsTask task, SplittableRandom rng, int n, boolean images) {
        List<Prompt> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Prompt p = task.sample(3, Task.Split.TRAIN, rng);
            out.add(images ? p : new Prompt(p.id(), p.tokens(), p.task(), p.difficulty(), p.groundTruth()));
        }
        return out;
    }

    /** Requests/s and mean positions fed per request (text tokens only) of rounds of 64 digits requests. */
    private static double[] decodeDigits(PolicyConfig cfg, DigitsTask task, boolean images, double seconds) {
        InferenceEngine engine = new InferenceEngine(Params.initialise(cfg), 64, EngineBackend.JAVA);
        SplittableRandom rng = new SplittableRandom(11);
        long[] counts = new long[2];
        digitsRound(engine, task, rng, images, 0, counts); // warm-up
        counts[0] = 0;
        counts[1] = 0;
        long start = System.nanoTime();
        for (int round = 1; (System.nanoTime() - start) / 1e9 < seconds; round++) {
            digitsRound(engine, task, rng, images, round, counts);
        }
        long requests = counts[0];
        long fed = counts[1];
        double elapsed = (System.nanoTime() - start) / 1e9;
        engine.release();
        return new double[] {requests / elapsed, (double) fed / requests};
    }

    /** One round of 64 requests; adds the requests and the text positions fed to {@code counts}. */
    private static void digitsRound(InferenceEngine engine, DigitsTask task, SplittableRandom rng, boolean images,
                                    int round, long[] counts) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (Prompt p : digitsPrompts(task, rng, 64, images)) {
            // The prompt and its worked solution but EOS, one new token: the same positions with or without the
            // picture, so the difference is the patches' prefill.
            int[] solution = task.workedSolution(p);
            int[] prefix = java.util.Arrays.copyOf(p.tokens(), p.length() + solution.length - 1);
            System.arraycopy(solution, 0, prefix, p.length(), solution.length - 1);
            reqs.add(GenerationRequest.of(round + "-" + reqs.size(), prefix, 1, Sampling.of(1.0), rng.nextLong())
                    .withImages(p.images()));
        }
        var gens = engine.generate(reqs);
        for (int i = 0; i < reqs.size(); i++) {
            counts[1] += reqs.get(i).prefix().length + gens.get(i).tokens().length - 1;
        }
        counts[0] += reqs.size();
    }

    /** Sequences/s and mean positions per sequence (text only) of SFT steps of 32 worked digits solutions. */
    private static double[] trainDigits(PolicyConfig cfg, DigitsTask task, boolean images, double seconds) {
        Policy policy = new Policy(Params.initialise(cfg), TrainerBackend.JAVA);
        SftTrainer sft = new SftTrainer(policy, new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3)), task);
        SplittableRandom rng = new SplittableRandom(5);
        sft.step(digitsPrompts(task, rng, 32, images));
        long sequences = 0;
        long positions = 0;
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            List<Prompt> b = digitsPrompts(task, rng, 32, images);
            for (Prompt p : b) {
                positions += p.length() + task.workedSolution(p).length - 1;
            }
            sft.step(b);
            sequences += b.size();
        }
        return new double[] {sequences / ((System.nanoTime() - start) / 1e9), (double) positions / sequences};
    }

    private record Decode(double tokensPerSecond, double gflops) {
    }

    /** Generated tokens/s and useful GFLOP/s of rounds of {@code requests} requests on {@code slots} slots. */
    private static Decode decode(PolicyConfig cfg, ArithmeticTask task, EngineBackend backend, int slots, int requests,
                                 double seconds) {
        Policy policy = Policy.create(cfg);
        InferenceEngine engine = new InferenceEngine(policy.params(), slots, backend);
        SplittableRandom rng = new SplittableRandom(slots);
        runDecode(engine, task, rng, requests, 0); // warm-up
        long tokens0 = engine.tokensGenerated();
        double macs = 0;
        long start = System.nanoTime();
        int round = 0;
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            macs += runDecode(engine, task, rng, requests, ++round);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        engine.release();
        return new Decode((engine.tokensGenerated() - tokens0) / elapsed, 2 * macs / elapsed / 1e9);
    }

    /** Runs one batch of requests; returns the multiply-adds of the positions it processed. */
    private static double runDecode(InferenceEngine engine, ArithmeticTask task, SplittableRandom rng, int requests,
                                    int round) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            Prompt p = task.sample(4, Task.Split.TRAIN, rng);
            reqs.add(GenerationRequest.of(round + "-" + i, p.tokens(), 40, Sampling.of(1.0), rng.nextLong()));
        }
        double macs = 0;
        PolicyConfig cfg = engine.config();
        var gens = engine.generate(reqs);
        for (int i = 0; i < requests; i++) {
            // Positions 0..prompt+generated-2 are fed (the last sampled token is not); each attends to its prefix.
            int fed = reqs.get(i).prefix().length + gens.get(i).tokens().length - 1;
            for (int pos = 0; pos < fed; pos++) {
                macs += cfg.forwardMacsPerToken(pos + 1);
            }
        }
        return macs;
    }

    /** Real (unpadded) positions/s and useful GFLOP/s of SFT steps. */
    private static double[] train(PolicyConfig cfg, ArithmeticTask task, TrainerBackend backend, double seconds) {
        Policy policy = new Policy(Params.initialise(cfg), backend);
        SftTrainer sft = new SftTrainer(policy, new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3)), task);
        SplittableRandom rng = new SplittableRandom(3);
        sft.step(batch(task, rng));
        long positions = 0;
        double macs = 0;
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            List<Prompt> b = batch(task, rng);
            // Useful work: each sequence's own positions (the SameDiff graph also computes the padding).
            for (Prompt p : b) {
                int fed = p.length() + task.workedSolution(p).length - 1;
                positions += fed;
                for (int pos = 0; pos < fed; pos++) {
                    macs += cfg.forwardMacsPerToken(pos + 1);
                }
            }
            sft.step(b);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new double[] {positions / elapsed, 3 * 2.0 * macs / elapsed / 1e9};
    }

    private static List<Prompt> batch(ArithmeticTask task, SplittableRandom rng) {
        List<Prompt> b = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            b.add(task.sample(2 + rng.nextInt(3), Task.Split.TRAIN, rng));
        }
        return b;
    }

    private static double matmulGflops(int m, int k, int n, double seconds) {
        INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
        INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray c = Nd4j.create(DataType.FLOAT, m, n);
        for (int i = 0; i < 3; i++) {
            a.mmuli(b, c);
        }
        long reps = 0;
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < seconds / 2) {
            a.mmuli(b, c);
            reps++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return 2.0 * m * k * n * reps / elapsed / 1e9;
    }

    private static String f0(double v) {
        return String.format("%,.0f", v);
    }

    private static String f2(double v) {
        return String.format("%.2f", v);
    }

    private static String pct(double v, double of) {
        return String.format("%.1f", 100 * v / of);
    }

    private static String ratio(double after, double before) {
        return String.format("%.1f×", after / before);
    }
}
