package dev.tributary.benchmarks.model;

import dev.tributary.benchmarks.Table;
import dev.tributary.model.Prompt;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.PolicyConfig;
import dev.tributary.model.task.ArithmeticTask;
import dev.tributary.model.task.Task;
import dev.tributary.model.train.SftTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Throughput of the default model, next to the ceiling of this machine measured in the same run.
 *
 * <p>Workload: the default policy ({@code tributary.model} in reference.conf). The engine decodes 4×slots
 * arithmetic prompts of 4 digits (11 prompt tokens, up to 40 new tokens, temperature 1) at 1, 16 and 64 slots;
 * the trainer takes SFT steps of 32 worked solutions of 2–4 digits. GFLOP/s counts 2 FLOPs per multiply-add of
 * the forward pass (prefill and decode positions alike) and 3× the forward pass for a training step. The
 * ceiling is a plain ND4J {@code mmul} of two 1024×1024 float matrices; a matmul at the model's own shape
 * (64×64 · 64×256) shows how much of the gap is per-op overhead at this model size.
 *
 * <p>Run: {@code benchmarks/run ModelThroughputBenchmark [seconds-per-row]} (default 6).
 */
public final class ModelThroughputBenchmark {
    private ModelThroughputBenchmark() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 6;
        ArithmeticTask task = ArithmeticTask.standard();
        PolicyConfig cfg = PolicyConfig.defaults(task.tokenizer().vocabSize());
        System.out.printf("Model throughput — default policy: d=%d, layers=%d, heads=%d, ff=%d, context=%d, vocab=%d%n",
                cfg.dModel(), cfg.layers(), cfg.heads(), cfg.ffHidden(), cfg.contextLength(), cfg.vocabSize());
        System.out.printf("cores=%d  OMP_NUM_THREADS=%s  %.0f s per row%n%n", Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), seconds);

        double ceiling = matmulGflops(1024, 1024, 1024, seconds);
        double modelShape = matmulGflops(64, 64, 256, seconds);
        Table t = new Table("workload", "tokens/s", "GFLOP/s", "% of matmul ceiling");
        t.row("ND4J mmul 1024×1024×1024 (ceiling)", "-", f1(ceiling), "100.0");
        t.row("ND4J mmul 64×64×256 (model shape)", "-", f1(modelShape), pct(modelShape, ceiling));
        for (int slots : new int[] {1, 16, 64}) {
            double[] r = decode(cfg, task, slots, seconds);
            t.row("engine decode, batch " + slots, f0(r[0]), f2(r[1]), pct(r[1], ceiling));
        }
        double[] tr = train(cfg, task, seconds);
        t.row("trainer step, batch 32 (all positions)", f0(tr[0]), f2(tr[1]), pct(tr[1], ceiling));
        t.row("trainer step, batch 32 (response tokens)", f0(tr[2]), "-", "-");
        System.out.println(t.render());
    }

    /** Generated tokens/s and achieved GFLOP/s (prefill + decode positions). */
    private static double[] decode(PolicyConfig cfg, ArithmeticTask task, int slots, double seconds) {
        Policy policy = Policy.create(cfg);
        InferenceEngine engine = new InferenceEngine(policy.params(), slots);
        SplittableRandom rng = new SplittableRandom(slots);
        runDecode(engine, task, rng, slots, 1); // warm-up
        long tokens0 = engine.tokensGenerated();
        long steps0 = engine.stepsRun();
        long positions = 0;
        long start = System.nanoTime();
        int round = 0;
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            positions += runDecode(engine, task, rng, slots, ++round);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double tokens = engine.tokensGenerated() - tokens0;
        double flops = 2.0 * cfg.forwardMacsPerToken(cfg.contextLength() / 2) * positions;
        if (engine.stepsRun() == steps0) {
            throw new IllegalStateException("the engine ran no step");
        }
        return new double[] {tokens / elapsed, flops / elapsed / 1e9};
    }

    /** Runs one batch of 4×slots requests; returns the positions processed (prompt + generated tokens). */
    private static long runDecode(InferenceEngine engine, ArithmeticTask task, SplittableRandom rng, int slots, int round) {
        List<GenerationRequest> reqs = new ArrayList<>();
        long positions = 0;
        for (int i = 0; i < 4 * slots; i++) {
            Prompt p = task.sample(4, Task.Split.TRAIN, rng);
            reqs.add(GenerationRequest.of(round + "-" + i, p.tokens(), 40, Sampling.of(1.0), rng.nextLong()));
            positions += p.length();
        }
        for (var g : engine.generate(reqs)) {
            positions += g.tokens().length;
        }
        return positions;
    }

    /** Tokens/s over all positions, GFLOP/s, and response tokens/s of SFT steps. */
    private static double[] train(PolicyConfig cfg, ArithmeticTask task, double seconds) {
        Policy policy = Policy.create(cfg);
        SftTrainer sft = new SftTrainer(policy, new Optimizer(policy.params(), Optimizer.Settings.adam(1e-3)), task);
        SplittableRandom rng = new SplittableRandom(3);
        sft.step(batch(task, rng));
        long positions = 0;
        long response = 0;
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            List<Prompt> b = batch(task, rng);
            int longest = 0;
            for (Prompt p : b) {
                longest = Math.max(longest, p.length() + task.workedSolution(p).length);
            }
            positions += (long) b.size() * (longest - 1);
            response += sft.step(b).tokens();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double flops = 3 * 2.0 * cfg.forwardMacsPerToken(cfg.contextLength() / 2) * positions;
        return new double[] {positions / elapsed, flops / elapsed / 1e9, response / elapsed};
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

    private static String f1(double v) {
        return String.format("%.1f", v);
    }

    private static String f2(double v) {
        return String.format("%.2f", v);
    }

    private static String pct(double v, double of) {
        return String.format("%.1f", 100 * v / of);
    }
}
