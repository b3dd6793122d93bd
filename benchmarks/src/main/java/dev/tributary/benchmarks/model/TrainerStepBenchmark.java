package dev.tributary.benchmarks.model;

import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.model.Prompt;
import dev.tributary.model.engine.Generation;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Optimizer;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.policy.SequenceBatch;
import dev.tributary.model.task.Task;
import dev.tributary.model.task.Tasks;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One trainer step of {@code PartialRolloutBenchmark}'s shape on the Java trainer: a minibatch of 64 sequences
 * (arithmetic prompts with the untrained default policy's own responses, so long-tailed lengths), cut into
 * length-sorted micro-batches of at most 2,048 padded positions as {@code tributary.trainer.microbatch-tokens} does,
 * every micro-batch scored before any backward pass (the loss needs all log-probs), gradients summed, one Adam
 * step. Two ways, alternated round by round in one JVM: the forward pass run twice (once to score, again inside
 * the backward pass; the trainer before) and kept from scoring to the backward pass (after). Both give the same
 * gradients bit for bit ({@code TrainerBackendTest}). Reported: mean milliseconds of a step and of its parts over
 * the rounds after the first quarter (warm-up), and the ratio.
 *
 * <p>Run: {@code benchmarks/run TrainerStepBenchmark [rounds]} (default 120).
 */
public final class TrainerStepBenchmark {
    private static final int SEQUENCES = 64;
    private static final int MICROBATCH_TOKENS = 2048;

    private TrainerStepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 120;
        TributarySettings s = TributarySettings.load(ConfigFactory.parseString("""
                tributary { model.context-length = 256, task.arithmetic.max-digits = 2 }
                tributary.run.out-dir = "%s"
                """.formatted(Files.createTempDirectory("trainer-step"))));
        var choice = s.plugins().get(Tasks.KEY);
        Task task = Tasks.registry().create(choice.name(), choice.settings(), new Tasks.Context(3));
        Policy policy = Policy.create(s.model().policy(task.tokenizer().vocabSize()));
        List<SequenceBatch> micro = microBatches(sequences(task, policy));
        Optimizer optimizer = new Optimizer(policy.params(), Optimizer.Settings.adam(1e-5));
        String[] names = {"forward run twice (before)", "forward kept (after)"};
        double[][] sums = new double[2][5];
        int counted = 0;
        for (int r = 0; r < rounds; r++) {
            boolean count = r >= rounds / 4;
            for (int way = 0; way < 2; way++) {
                double[] t = step(policy, optimizer, micro, way == 1);
                for (int k = 0; count && k < t.length; k++) {
                    sums[way][k] += t[k];
                }
            }
            counted += count ? 1 : 0;
        }
        Table table = new Table("trainer step", "ms per step", "scoring (forward)", "backward", "gradient sums",
                "optimizer");
        for (int way = 0; way < 2; way++) {
            double[] m = sums[way];
            int n = counted;
            table.row(names[way], fmt(m[0] / n), fmt(m[1] / n), fmt(m[2] / n), fmt(m[3] / n), fmt(m[4] / n));
        }
        System.out.println();
        System.out.print(table.render());
        System.out.printf(Locale.ROOT, "%nkept forward pass: %.2fx faster per step (mean of %d rounds after %d "
                + "warm-up, %d cores)%n", sums[0][0] / sums[1][0], counted, rounds - counted,
                Runtime.getRuntime().availableProcessors());
    }

    /** Milliseconds of one step: whole, scoring, backward passes, gradient sums, optimizer. */
    private static double[] step(Policy policy, Optimizer optimizer, List<SequenceBatch> micro, boolean keep) {
        long t0 = System.nanoTime();
        List<Policy.Scored> scored = new ArrayList<>();
        for (SequenceBatch b : micro) {
            scored.add(policy.score(b, keep));
        }
        long t1 = System.nanoTime();
        Map<String, INDArray> sum = null;
        long backward = 0;
        long adding = 0;
        for (Policy.Scored sc : scored) {
            double[][] lp = sc.logProbs();
            double[][] grad = new double[lp.length][];
            for (int i = 0; i < lp.length; i++) {
                grad[i] = new double[lp[i].length];
                Arrays.fill(grad[i], (i % 2 == 0 ? 1.0 : -1.0) / SEQUENCES / Math.max(1, lp[i].length));
            }
            long b0 = System.nanoTime();
            Map<String, INDArray> g = policy.backward(sc, grad).gradients();
            long b1 = System.nanoTime();
            if (sum == null) {
                sum = g;
            } else {
                Map<String, INDArray> into = sum;
                g.forEach((name, v) -> into.get(name).addi(v));
            }
            adding += System.nanoTime() - b1;
            backward += b1 - b0;
        }
        long t2 = System.nanoTime();
        optimizer.step(policy.params(), sum);
        long t3 = System.nanoTime();
        return new double[] {(t3 - t0) / 1e6, (t1 - t0) / 1e6, backward / 1e6, adding / 1e6, (t3 - t2) / 1e6};
    }

    /** Sequences (prompt, then response) and where each one's response starts. */
    private record Minibatch(int[][] seqs, int[] responseStarts) {
    }

    /** Arithmetic prompts followed by the untrained policy's responses to them (up to 223 tokens). */
    private static Minibatch sequences(Task task, Policy policy) {
        InferenceEngine engine = new InferenceEngine(policy.params(), SEQUENCES);
        SplittableRandom rng = new SplittableRandom(11);
        List<GenerationRequest> requests = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            Prompt p = task.sample(1 + rng.nextInt(2), Task.Split.TRAIN, rng);
            prompts.add(p.tokens());
            requests.add(GenerationRequest.of("r" + i, p.tokens(), 223, Sampling.of(1.0), rng.nextLong()));
        }
        List<Generation> generated = engine.generate(requests);
        engine.release();
        int[][] seqs = new int[SEQUENCES][];
        for (int i = 0; i < SEQUENCES; i++) {
            int[] p = prompts.get(i);
            int[] r = generated.get(i).tokens();
            seqs[i] = Arrays.copyOf(p, p.length + r.length);
            System.arraycopy(r, 0, seqs[i], p.length, r.length);
        }
        int positions = Arrays.stream(seqs).mapToInt(x -> x.length - 1).sum();
        int[] lengths = Arrays.stream(seqs).mapToInt(x -> x.length).sorted().toArray();
        System.out.printf(Locale.ROOT, "%d sequences, %d positions; lengths median %d, max %d%n", SEQUENCES, positions,
                lengths[lengths.length / 2], lengths[lengths.length - 1]);
        return new Minibatch(seqs, prompts.stream().mapToInt(p -> p.length).toArray());
    }

    /** Length-sorted micro-batches of at most MICROBATCH_TOKENS padded positions, as the trainer cuts them. */
    private static List<SequenceBatch> microBatches(Minibatch mb) {
        int[][] seqs = mb.seqs();
        Integer[] order = new Integer[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> seqs[i].length).thenComparingInt(i -> i));
        List<SequenceBatch> out = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        for (int i : order) {
            if (!current.isEmpty() && (long) (current.size() + 1) * seqs[i].length > MICROBATCH_TOKENS) {
                out.add(batch(current, mb));
                current.clear();
            }
            current.add(i);
        }
        out.add(batch(current, mb));
        System.out.printf(Locale.ROOT, "%d micro-batches of at most %d padded positions%n", out.size(),
                MICROBATCH_TOKENS);
        return out;
    }

    private static SequenceBatch batch(List<Integer> idx, Minibatch mb) {
        int[][] s = new int[idx.size()][];
        int[] starts = new int[idx.size()];
        for (int j = 0; j < idx.size(); j++) {
            s[j] = mb.seqs()[idx.get(j)];
            starts[j] = mb.responseStarts()[idx.get(j)];
        }
        return new SequenceBatch(s, starts);
    }

    private static String fmt(double ms) {
        return String.format(Locale.ROOT, "%.1f", ms);
    }
}
