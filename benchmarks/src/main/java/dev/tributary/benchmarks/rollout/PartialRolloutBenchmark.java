package dev.tributary.benchmarks.rollout;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.benchmarks.Table;
import dev.tributary.model.Prompt;
import dev.tributary.model.engine.GenerationRequest;
import dev.tributary.model.engine.InferenceEngine;
import dev.tributary.model.engine.Sampling;
import dev.tributary.model.policy.Policy;
import dev.tributary.model.task.Task;
import dev.tributary.model.task.Tasks;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Partial rollouts against full synchronous rollouts (Kimi k1.5 §2.6.2) on a workload with long-tailed response
 * lengths: the default policy shape before any training, whose responses end when it happens to sample EOS, so
 * most are short and a few run several times longer. Both modes run the whole embedded job (rollout, reward,
 * replay, training, weight hand-off) with the same model, seed and prompt stream, until they have trained on the
 * same number of samples; they differ only in the per-iteration token budget (24 against the full 224). Reported
 * side by side: wall time per trained sample, iteration time, rollout tokens/s, the workers' busy fraction and
 * the engines' slot occupancy (generated tokens over decode steps x slots), then the ratio. This is done for
 * engines of 32 and of 128 slots per worker. Either way an iteration's jobs reach the two workers by work pulling
 * as four batches (two per worker, run one after the other), so each engine holds about 32 jobs at a time: with
 * 32 slots continuous batching refills the slots that short responses free within a batch, with 128 slots every
 * slot is computed each step while a synchronous batch waits for its longest response.
 *
 * <p>All four runs are made twice in one invocation: before (the ND4J engine and the SameDiff trainer, as at
 * 6e098ba; {@code tributary.model.engine = nd4j, trainer = samediff}) and after (the Java backends).
 *
 * <p>Run: {@code benchmarks/run PartialRolloutBenchmark [trained-samples] [partial-token-budget] [before|after|both]}
 * (defaults 1024, 24 and both). A partial run of as many trained samples first warms the JVM (the trainer's and the
 * engine's kernels reach the JIT's last tier only after several iterations) and native code, and is not reported.
 */
public final class PartialRolloutBenchmark {
    private static final int MAX_RESPONSE = 224;

    private PartialRolloutBenchmark() {
    }

    /** One mode's figures over the iterations it needed to reach the target. */
    record Figures(String backends, String mode, int slots, int budget, int iterations, int trained, double seconds, long tokens,
                   double rolloutSeconds, double trainSeconds, double syncSeconds, double busy, double occupancy,
                   double meanLength, int resumed) {
        double secondsPerHundred() {
            return 100 * seconds / trained;
        }

        /** The rollout phase's own seconds per 100 trained samples: the part partial rollouts act on. */
        double rolloutPerHundred() {
            return 100 * rolloutSeconds / trained;
        }
    }

    /** Before and after: the engine and trainer backends of one set of runs. */
    private record Backends(String label, String engine, String trainer) {
    }

    public static void main(String[] args) throws Exception {
        int target = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int budget = args.length > 1 ? Integer.parseInt(args[1]) : 24;
        String which = args.length > 2 ? args[2] : "both";
        List<Backends> sets = new ArrayList<>();
        if (!which.equals("after")) {
            sets.add(new Backends("before: nd4j + samediff", "nd4j", "samediff"));
        }
        if (!which.equals("before")) {
            sets.add(new Backends("after: java + java", "java", "java"));
        }
        if (sets.isEmpty() || !List.of("before", "after", "both").contains(which)) {
            throw new IllegalArgumentException("backends '" + which + "' must be before, after or both");
        }
        System.out.println("cores: " + Runtime.getRuntime().availableProcessors() + "; workload: untrained default "
                + "policy (context 256), 16 prompts x 8 samples per iteration, 2 rollout workers, responses capped "
                + "at " + MAX_RESPONSE + " tokens; engines of 32 and 128 slots, jobs in 2 batches per worker");
        printLengths(settings(sets.get(0), 32, MAX_RESPONSE, Files.createTempDirectory("bench-lengths")));

        List<Figures> figures = new ArrayList<>();
        for (Backends b : sets) {
            run(b, "warm-up", 32, budget, target, Files.createTempDirectory("bench-warmup"));
            for (int slots : new int[] {32, 128}) {
                figures.add(run(b, "full (synchronous)", slots, MAX_RESPONSE, target,
                        Files.createTempDirectory("bench-full")));
                figures.add(run(b, "partial", slots, budget, target, Files.createTempDirectory("bench-partial")));
            }
        }

        Table t = new Table("backends", "mode", "slots", "token budget", "iterations", "trained", "wall s", "s / 100 trained",
                "s / iteration", "rollout tok/s", "worker busy", "slot occupancy", "mean length", "resumed / iter");
        Table where = new Table("backends", "mode", "slots", "s / iteration", "rollout", "train", "weight sync",
                "rest (shaping, eval, reports)", "rollout s / 100 trained");
        for (Figures f : figures) {
            t.row(f.backends(), f.mode(), f.slots(), f.budget(), f.iterations(), f.trained(), fmt("%.1f", f.seconds()),
                    fmt("%.2f", f.secondsPerHundred()), fmt("%.2f", f.seconds() / f.iterations()),
                    fmt("%,.0f", f.tokens() / f.rolloutSeconds()), fmt("%.0f%%", 100 * f.busy()),
                    fmt("%.0f%%", 100 * f.occupancy()), fmt("%.1f", f.meanLength()),
                    fmt("%.1f", (double) f.resumed() / f.iterations()));
            double rest = f.seconds() - f.rolloutSeconds() - f.trainSeconds() - f.syncSeconds();
            where.row(f.backends(), f.mode(), f.slots(), fmt("%.3f", f.seconds() / f.iterations()),
                    share(f.rolloutSeconds(), f), share(f.trainSeconds(), f), share(f.syncSeconds(), f),
                    share(rest, f), fmt("%.3f", f.rolloutPerHundred()));
        }
        System.out.print(t.render());
        System.out.println();
        System.out.println("Where an iteration's time goes (s per iteration, share of the iteration; rollout runs from "
                + "dispatch until the replay buffer hands over the scored groups, so it includes reward and replay):");
        System.out.print(where.render());
        for (int i = 0; i < figures.size(); i += 2) {
            Figures full = figures.get(i);
            Figures partial = figures.get(i + 1);
            System.out.printf(Locale.ROOT, "%s, %d slots: partial rollouts %.2fx faster per trained sample than full "
                    + "synchronous rollouts end to end (target >= 2x); the rollout phase alone %.2fx%n",
                    full.backends(), full.slots(), full.secondsPerHundred() / partial.secondsPerHundred(),
                    full.rolloutPerHundred() / partial.rolloutPerHundred());
        }
        if (sets.size() == 2) {
            for (int i = 0; i < 4; i++) {
                Figures before = figures.get(i);
                Figures after = figures.get(i + 4);
                System.out.printf(Locale.ROOT, "%s, %d slots: after/before %.2fx faster per trained sample%n",
                        before.mode(), before.slots(), before.secondsPerHundred() / after.secondsPerHundred());
            }
        }
    }

    private static TributarySettings settings(Backends b, int slots, int tokenBudget, Path out) {
        Config c = ConfigFactory.parseString("""
                tributary {
                  model { context-length = 256, engine = %s, trainer = %s }
                  task.arithmetic.max-digits = 2
                  run { iterations = 100000, checkpoint-every = 0, seed = 3 }
                  sft.steps = 0
                  sampler { prompts-per-iteration = 16, samples-per-prompt = 8, pool-size = 500 }
                  rollout { workers = 2, slots = %d, max-response-tokens = %d, token-budget = %d, repeat-limit = 1000 }
                  reward.length-penalty-weight = 0
                  replay.capacity = 1024
                  trainer { minibatch-size = 64, steps-per-iteration = 2 }
                  eval { prompts = 8, every = 100000 }
                }
                """.formatted(b.engine(), b.trainer(), slots, MAX_RESPONSE, tokenBudget)).withFallback(ConfigFactory.parseMap(
                java.util.Map.of("tributary.run.out-dir", out.toString())));
        return TributarySettings.load(c);
    }

    /** Runs the job until {@code target} samples were trained on, then shuts it down. */
    private static Figures run(Backends b, String mode, int slots, int budget, int target, Path out) throws Exception {
        System.out.printf(Locale.ROOT, "%s, %s: %d slots, token budget %d, until %d samples are trained...%n",
                b.label(), mode, slots, budget, target);
        List<IterationMetrics> counted = new ArrayList<>();
        try (TributaryRun run = Tributary.start(RunSpec.of(settings(b, slots, budget, out)))) {
            int trained = 0;
            while (trained < target) {
                Thread.sleep(50);
                if (run.isDone()) {
                    run.result().toCompletableFuture().get(); // surfaces the failure
                    throw new IllegalStateException(mode + " run ended before training " + target + " samples");
                }
                List<IterationMetrics> m = run.metrics();
                for (int i = counted.size(); i < m.size() && trained < target; i++) {
                    counted.add(m.get(i));
                    trained += m.get(i).trainedSamples();
                }
            }
            // The iteration in progress completes (uncounted) and the run ends cleanly.
            run.stopAfterIteration();
            run.result().toCompletableFuture().get();
        }
        int trained = 0;
        long tokens = 0;
        int resumed = 0;
        double seconds = 0;
        double rollout = 0;
        double train = 0;
        double sync = 0;
        double busy = 0;
        double occupied = 0;
        double lengthSum = 0;
        for (IterationMetrics m : counted) {
            trained += m.trainedSamples();
            tokens += Math.round(m.tokensPerSecond() * m.rolloutSeconds());
            resumed += m.resumed();
            seconds += m.seconds();
            rollout += m.rolloutSeconds();
            train += m.trainSeconds();
            sync += m.syncSeconds();
            busy += m.workerBusyFraction() * m.seconds();
            occupied += m.slotOccupancy() * m.rolloutSeconds();
            lengthSum += m.meanResponseLength() * m.trainedSamples();
        }
        return new Figures(b.label(), mode, slots, budget, counted.size(), trained, seconds, tokens, rollout, train, sync,
                busy / seconds, occupied / rollout, lengthSum / trained, resumed);
    }

    /** The workload's response lengths, sampled from the same untrained policy on the same kind of prompts. */
    private static void printLengths(TributarySettings s) {
        var choice = s.plugins().get(Tasks.KEY);
        Task task = Tasks.registry().create(choice.name(), choice.settings(), new Tasks.Context(s.run().seed()));
        Policy policy = Policy.create(s.model().policy(task.tokenizer().vocabSize()));
        InferenceEngine engine = new InferenceEngine(policy.params(), 64);
        SplittableRandom rng = new SplittableRandom(11);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            Prompt p = task.sample(1 + rng.nextInt(2), Task.Split.TRAIN, rng);
            requests.add(GenerationRequest.of("r" + i, p.tokens(), MAX_RESPONSE - 1, Sampling.of(1.0), rng.nextLong()));
        }
        int[] lengths = engine.generate(requests).stream().mapToInt(g -> g.tokens().length).sorted().toArray();
        engine.release();
        System.out.printf(Locale.ROOT, "response lengths of 256 samples: median %d, p90 %d, p99 %d, max %d, mean %.1f%n",
                lengths[lengths.length / 2], lengths[(int) (lengths.length * 0.9)], lengths[(int) (lengths.length * 0.99)],
                lengths[lengths.length - 1], Arrays.stream(lengths).average().orElse(0));
    }

    /** {@code part} seconds of {@code f}'s iterations, per iteration and as a share of them. */
    private static String share(double part, Figures f) {
        return fmt("%.3f", part / f.iterations()) + " (" + fmt("%.0f%%", 100 * part / f.seconds()) + ")";
    }

    private static String fmt(String f, Object v) {
        return String.format(Locale.ROOT, f, v);
    }
}
