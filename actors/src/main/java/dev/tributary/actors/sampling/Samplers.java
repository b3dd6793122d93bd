package dev.tributary.actors.sampling;

import dev.tributary.model.Prompt;
import dev.tributary.model.Require;
import dev.tributary.model.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The built-in prompt samplers (Kimi k1.5 §2.3.4): {@code uniform}; {@code curriculum}, easy to hard on a schedule;
 * {@code prioritized}, probability proportional to 1 − the prompt's tracked success rate.
 */
public final class Samplers {
    private Samplers() {
    }

    /** What every sampler factory receives besides its settings. */
    public record Context(PromptPool pool, long seed) {
    }

    /** The setting that names the sampler. */
    public static final String KEY = "tributary.sampler.name";

    /**
     * The samplers by name. {@code curriculum} reads {@code start}, {@code end} and {@code iterations-per-level}
     * from its settings (the runtime passes {@code tributary.sampler.difficulty}).
     */
    public static Registry<Context, PromptSampler> registry() {
        return new Registry<>(KEY, PromptSampler.class, Context.class)
                .register("uniform", (c, ctx) -> new Uniform(ctx.pool(), ctx.seed()))
                .register("curriculum", (c, ctx) -> new Curriculum(ctx.pool(), ctx.seed(), c.getInt("start"),
                        c.getInt("end"), c.getInt("iterations-per-level")))
                .register("prioritized", (c, ctx) -> new Prioritized(ctx.pool(), ctx.seed()));
    }

    private abstract static class Base implements PromptSampler {
        final PromptPool pool;
        final long seed;
        final SuccessStats stats = new SuccessStats();

        Base(PromptPool pool, long seed) {
            this.pool = pool;
            this.seed = seed;
        }

        /**
         * The random stream of one iteration, derived from the seed and the iteration alone: a run resumed from
         * a checkpoint draws exactly what the uninterrupted run would have, with no generator state to save.
         */
        SplittableRandom rng(int iteration) {
            // SplittableRandom mixes its seed, so neighbouring iterations give unrelated streams.
            return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + iteration);
        }

        @Override
        public void record(String promptId, double successes, double attempts) {
            stats.record(promptId, successes, attempts);
        }

        @Override
        public Map<String, double[]> statistics() {
            return stats.snapshot();
        }

        @Override
        public void restore(Map<String, double[]> statistics) {
            stats.restore(statistics);
        }

        /** n distinct prompts uniformly from {@code from} (all of it when smaller). */
        static List<Prompt> distinct(List<Prompt> from, int n, SplittableRandom rng) {
            List<Prompt> copy = new ArrayList<>(from);
            List<Prompt> out = new ArrayList<>(n);
            while (out.size() < n && !copy.isEmpty()) {
                out.add(copy.remove(rng.nextInt(copy.size())));
            }
            return out;
        }
    }

    static final class Uniform extends Base {
        Uniform(PromptPool pool, long seed) {
            super(pool, seed);
        }

        @Override
        public String name() {
            return "uniform";
        }

        @Override
        public List<Prompt> next(int iteration, int n) {
            return distinct(pool.all(), n, rng(iteration));
        }
    }

    static final class Curriculum extends Base {
        private final int start;
        private final int end;
        private final int perLevel;

        Curriculum(PromptPool pool, long seed, int start, int end, int perLevel) {
            super(pool, seed);
            this.perLevel = Require.positive(perLevel, "curriculum iterations-per-level");
            if (start > end || start < pool.minDifficulty() || end > pool.maxDifficulty()) {
                throw new IllegalArgumentException("curriculum difficulties " + start + ".." + end + " must be an "
                        + "increasing range within the task's " + pool.minDifficulty() + ".." + pool.maxDifficulty());
            }
            this.start = start;
            this.end = end;
        }

        @Override
        public String name() {
            return "curriculum";
        }

        /** The difficulty of an iteration: start, raised by one every {@code perLevel} iterations, up to end. */
        int difficulty(int iteration) {
            return Math.min(end, start + (iteration - 1) / perLevel);
        }

        @Override
        public List<Prompt> next(int iteration, int n) {
            return distinct(pool.at(difficulty(iteration)), n, rng(iteration));
        }
    }

    static final class Prioritized extends Base {
        private static final double FLOOR = 0.02;

        Prioritized(PromptPool pool, long seed) {
            super(pool, seed);
        }

        @Override
        public String name() {
            return "prioritized";
        }

        /** Weighted sampling without replacement, weight 1 − success rate (floored so solved prompts recur). */
        @Override
        public List<Prompt> next(int iteration, int n) {
            SplittableRandom rng = rng(iteration);
            List<Prompt> candidates = new ArrayList<>(pool.all());
            List<Prompt> out = new ArrayList<>(n);
            while (out.size() < n && !candidates.isEmpty()) {
                double total = 0;
                double[] w = new double[candidates.size()];
                for (int i = 0; i < w.length; i++) {
                    w[i] = Math.max(FLOOR, 1 - stats.rate(candidates.get(i).id()));
                    total += w[i];
                }
                double u = rng.nextDouble() * total;
                int pick = 0;
                for (double acc = w[0]; acc < u && pick < w.length - 1; acc += w[++pick]) {
                    // advance to the bucket containing u
                }
                out.add(candidates.remove(pick));
            }
            return out;
        }
    }
}
