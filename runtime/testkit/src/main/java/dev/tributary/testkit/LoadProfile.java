package dev.tributary.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.settings.SettingsException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a load test runs: the run's shape (workers, ActorSystems, prompts per iteration, k, token budget, iterations
 * or a duration) and the synthetic load of each role. Every value is checked here, failing with one line naming the
 * key, the value and what was expected, e.g. {@code tributary.testkit.load.rollout.failure-rate = -0.1: expected a
 * probability in [0, 1)}. The keys, their defaults and what each means are in the testkit's {@code reference.conf}
 * under {@code tributary.testkit.load}; {@link #builder()} starts from those defaults.
 *
 * <pre>{@code
 * LoadProfile p = LoadProfile.builder().workers(64).promptsPerIteration(32).samplesPerPrompt(8).iterations(5)
 *         .responseTokens("lognormal(median=300, sigma=1.2)").tokenBudget(256).maxResponseTokens(2048)
 *         .timePerToken(Duration.ofNanos(50_000)).rolloutFailureRate(0.01).build();
 * }</pre>
 *
 * @param workers            synthetic rollout workers over the whole run
 * @param systems            ActorSystems on 127.0.0.1 (1: every role in the test's own)
 * @param slots              sequences a worker generates at once
 * @param iterations         RL iterations; with a {@code duration}, the most the run may take
 * @param duration           above zero: the run ends after the first iteration that ends this long after its start
 * @param seed               seed of every synthetic draw and of the run
 * @param faults             faults injected while the run goes on
 * @param settings           settings layered over those the kit derives from this profile: {@code tributary.*}
 *                           (e.g. {@code tributary.rollout.batches-per-worker = 4}) and {@code pekko.*} for every
 *                           node's ActorSystem (e.g. {@code pekko.loglevel = ERROR}); empty by default
 */
public record LoadProfile(int workers, int systems, int slots, int promptsPerIteration, int samplesPerPrompt,
                          int iterations, Duration duration, int tokenBudget, int maxResponseTokens, long seed,
                          Rollout rollout, Reward reward, Trainer trainer, List<Fault.Plan> faults, Config settings) {
    /** Where the profile's keys live in HOCON. */
    public static final String PATH = "tributary.testkit.load";

    public LoadProfile {
        positive("workers", workers);
        positive("systems", systems);
        positive("slots", slots);
        positive("prompts-per-iteration", promptsPerIteration);
        if (samplesPerPrompt < 2) {
            throw new SettingsException(PATH + ".samples-per-prompt", samplesPerPrompt, "an integer >= 2 (a group "
                    + "needs 2 samples)");
        }
        positive("iterations", iterations);
        nonNegative("duration", duration);
        positive("token-budget", tokenBudget);
        positive("max-response-tokens", maxResponseTokens);
        Objects.requireNonNull(rollout, "rollout load");
        Objects.requireNonNull(reward, "reward load");
        Objects.requireNonNull(trainer, "trainer load");
        faults = List.copyOf(Objects.requireNonNull(faults, "faults"));
        Objects.requireNonNull(settings, "settings");
        if (systems > 1 && workers < systems - 1) {
            throw new SettingsException(PATH + ".workers", workers, "at least " + (systems - 1) + " with systems = "
                    + systems + ": every rollout node gets a worker");
        }
        if (!faults.isEmpty() && systems < 3) {
            throw new SettingsException(PATH + ".faults", faults, "no faults with systems = " + systems + ", or "
                    + "systems >= 3: faults hit rollout-only nodes and one of them must stay (in one ActorSystem a "
                    + "stopped worker fails the run's rollout role, and with it the run)");
        }
    }

    /**
     * The synthetic rollout: response lengths, time to first token and per token, failures and hangs.
     *
     * @param responseTokens       each trajectory's full response length in tokens (drawn once per trajectory)
     * @param timeToFirstTokenMs   milliseconds before a segment's first token
     * @param failureRate          probability a job crashes its worker's engine, which re-runs the whole batch
     * @param restartTime          how long such a restart takes
     * @param hangRate             probability a job stalls {@code hangTime} before its first token
     */
    public record Rollout(Distribution responseTokens, Distribution timeToFirstTokenMs, Duration timePerToken,
                          double failureRate, Duration restartTime, double hangRate, Duration hangTime) {
        public Rollout {
            Objects.requireNonNull(responseTokens, "rollout.response-tokens");
            Objects.requireNonNull(timeToFirstTokenMs, "rollout.time-to-first-token-ms");
            nonNegative("rollout.time-per-token", timePerToken);
            if (!(failureRate >= 0 && failureRate < 1)) {
                throw new SettingsException(PATH + ".rollout.failure-rate", failureRate, "a probability in [0, 1)");
            }
            nonNegative("rollout.restart-time", restartTime);
            probability("rollout.hang-rate", hangRate);
            nonNegative("rollout.hang-time", hangTime);
        }
    }

    /**
     * The synthetic reward function.
     *
     * @param latencyMs   milliseconds one score takes
     * @param failureRate probability a score fails (the reward role then records 0)
     * @param passRate    probability a response scores 1
     */
    public record Reward(Distribution latencyMs, double failureRate, double passRate) {
        public Reward {
            Objects.requireNonNull(latencyMs, "reward.latency-ms");
            probability("reward.failure-rate", failureRate);
            probability("reward.pass-rate", passRate);
        }
    }

    /**
     * The synthetic trainer step.
     *
     * @param timePerToken time a step takes per trained response token
     * @param weightsMb    size of the published weights in MiB; 0: the runtime's default model
     */
    public record Trainer(Duration timePerToken, double weightsMb) {
        public Trainer {
            nonNegative("trainer.time-per-token", timePerToken);
            if (!(weightsMb >= 0) || weightsMb > 4096) {
                throw new SettingsException(PATH + ".trainer.weights-mb", weightsMb, "a size in MiB in [0, 4096]");
            }
        }
    }

    /** The reference defaults: {@code tributary.testkit.load} of the testkit's reference.conf. */
    public static LoadProfile defaults() {
        return fromConfig(ConfigFactory.empty());
    }

    /**
     * Reads {@code tributary.testkit.load} from {@code config} over the reference defaults. A missing key takes its
     * default; a key of the wrong type, a value out of range or an unknown distribution or fault name fails with
     * one line naming it.
     */
    public static LoadProfile fromConfig(Config config) {
        Config c = config.withFallback(ConfigFactory.defaultReference(LoadProfile.class.getClassLoader())).resolve()
                .getConfig(PATH);
        try {
            List<Fault.Plan> faults = new ArrayList<>();
            for (Config f : c.getConfigList("faults")) {
                String key = PATH + ".faults[" + faults.size() + "]";
                try {
                    faults.add(new Fault.Plan(Fault.of(key + ".kind", f.getString("kind")), f.getDouble("per-thousand"),
                            f.hasPath("max") ? f.getInt("max") : 1));
                } catch (ConfigException e) {
                    throw new SettingsException(key, f.root().render(), "{ kind, per-thousand, max } (" + e.getMessage()
                            + ")");
                }
            }
            return new LoadProfile(c.getInt("workers"), c.getInt("systems"), c.getInt("slots"),
                    c.getInt("prompts-per-iteration"), c.getInt("samples-per-prompt"), c.getInt("iterations"),
                    c.getDuration("duration"), c.getInt("token-budget"), c.getInt("max-response-tokens"),
                    c.getLong("seed"),
                    new Rollout(dist(c, "rollout.response-tokens"), dist(c, "rollout.time-to-first-token-ms"),
                            c.getDuration("rollout.time-per-token"), c.getDouble("rollout.failure-rate"),
                            c.getDuration("rollout.restart-time"), c.getDouble("rollout.hang-rate"),
                            c.getDuration("rollout.hang-time")),
                    new Reward(dist(c, "reward.latency-ms"), c.getDouble("reward.failure-rate"),
                            c.getDouble("reward.pass-rate")),
                    new Trainer(c.getDuration("trainer.time-per-token"), c.getDouble("trainer.weights-mb")),
                    faults, ConfigFactory.empty());
        } catch (ConfigException e) {
            // Typesafe Config's own line names the key and the type it expected (keys relative to PATH).
            throw new IllegalArgumentException(PATH + ": " + e.getMessage(), e);
        }
    }

    private static Distribution dist(Config c, String key) {
        return Distribution.parse(PATH + "." + key, c.getString(key));
    }

    /** A builder starting from the reference defaults. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder starting from this profile. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Trajectories started per iteration: prompts × k. */
    public int trajectoriesPerIteration() {
        return promptsPerIteration * samplesPerPrompt;
    }

    private static void positive(String key, int v) {
        if (v < 1) {
            throw new SettingsException(PATH + "." + key, v, "an integer > 0");
        }
    }

    private static void probability(String key, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new SettingsException(PATH + "." + key, v, "a probability in [0, 1]");
        }
    }

    private static void nonNegative(String key, Duration d) {
        if (d == null || d.isNegative()) {
            throw new SettingsException(PATH + "." + key, d, "a duration >= 0");
        }
    }

    /** Changes one value at a time; {@link #build()} checks them all. */
    public static final class Builder {
        private int workers;
        private int systems;
        private int slots;
        private int promptsPerIteration;
        private int samplesPerPrompt;
        private int iterations;
        private Duration duration;
        private int tokenBudget;
        private int maxResponseTokens;
        private long seed;
        private Distribution responseTokens;
        private Distribution timeToFirstTokenMs;
        private Duration timePerToken;
        private double rolloutFailureRate;
        private Duration restartTime;
        private double hangRate;
        private Duration hangTime;
        private Distribution rewardLatencyMs;
        private double rewardFailureRate;
        private double passRate;
        private Duration trainTimePerToken;
        private double weightsMb;
        private final List<Fault.Plan> faults = new ArrayList<>();
        private Config settings;

        private Builder(LoadProfile p) {
            workers = p.workers;
            systems = p.systems;
            slots = p.slots;
            promptsPerIteration = p.promptsPerIteration;
            samplesPerPrompt = p.samplesPerPrompt;
            iterations = p.iterations;
            duration = p.duration;
            tokenBudget = p.tokenBudget;
            maxResponseTokens = p.maxResponseTokens;
            seed = p.seed;
            responseTokens = p.rollout.responseTokens();
            timeToFirstTokenMs = p.rollout.timeToFirstTokenMs();
            timePerToken = p.rollout.timePerToken();
            rolloutFailureRate = p.rollout.failureRate();
            restartTime = p.rollout.restartTime();
            hangRate = p.rollout.hangRate();
            hangTime = p.rollout.hangTime();
            rewardLatencyMs = p.reward.latencyMs();
            rewardFailureRate = p.reward.failureRate();
            passRate = p.reward.passRate();
            trainTimePerToken = p.trainer.timePerToken();
            weightsMb = p.trainer.weightsMb();
            faults.addAll(p.faults);
            settings = p.settings;
        }

        public Builder workers(int n) {
            workers = n;
            return this;
        }

        public Builder systems(int n) {
            systems = n;
            return this;
        }

        public Builder slots(int n) {
            slots = n;
            return this;
        }

        public Builder promptsPerIteration(int n) {
            promptsPerIteration = n;
            return this;
        }

        public Builder samplesPerPrompt(int k) {
            samplesPerPrompt = k;
            return this;
        }

        public Builder iterations(int n) {
            iterations = n;
            return this;
        }

        /** Ends the run after the first iteration that ends {@code d} after its start (iterations stay the cap). */
        public Builder duration(Duration d) {
            duration = d;
            return this;
        }

        public Builder tokenBudget(int tokens) {
            tokenBudget = tokens;
            return this;
        }

        public Builder maxResponseTokens(int tokens) {
            maxResponseTokens = tokens;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder responseTokens(Distribution d) {
            responseTokens = d;
            return this;
        }

        /** A distribution as text, e.g. {@code "pareto(scale=50, shape=1.5)"}. */
        public Builder responseTokens(String d) {
            return responseTokens(Distribution.parse(PATH + ".rollout.response-tokens", d));
        }

        public Builder timeToFirstTokenMs(Distribution d) {
            timeToFirstTokenMs = d;
            return this;
        }

        public Builder timeToFirstTokenMs(String d) {
            return timeToFirstTokenMs(Distribution.parse(PATH + ".rollout.time-to-first-token-ms", d));
        }

        public Builder timePerToken(Duration d) {
            timePerToken = d;
            return this;
        }

        public Builder rolloutFailureRate(double p) {
            rolloutFailureRate = p;
            return this;
        }

        public Builder restartTime(Duration d) {
            restartTime = d;
            return this;
        }

        /** With probability {@code p} a job stalls {@code time} before its first token. */
        public Builder hangs(double p, Duration time) {
            hangRate = p;
            hangTime = time;
            return this;
        }

        public Builder rewardLatencyMs(Distribution d) {
            rewardLatencyMs = d;
            return this;
        }

        public Builder rewardLatencyMs(String d) {
            return rewardLatencyMs(Distribution.parse(PATH + ".reward.latency-ms", d));
        }

        public Builder rewardFailureRate(double p) {
            rewardFailureRate = p;
            return this;
        }

        public Builder passRate(double p) {
            passRate = p;
            return this;
        }

        public Builder trainTimePerToken(Duration d) {
            trainTimePerToken = d;
            return this;
        }

        public Builder weightsMb(double mb) {
            weightsMb = mb;
            return this;
        }

        /** Adds a fault to inject at a rate (see {@link Fault.Plan}). */
        public Builder fault(Fault kind, double perThousand, int max) {
            faults.add(new Fault.Plan(kind, perThousand, max));
            return this;
        }

        /**
         * HOCON layered over the settings the kit derives: {@code tributary.*} (e.g.
         * {@code "tributary.rollout.batches-per-worker = 4"}) and {@code pekko.*} for every node's ActorSystem.
         */
        public Builder settings(String hocon) {
            settings = ConfigFactory.parseString(hocon).withFallback(settings);
            return this;
        }

        public LoadProfile build() {
            return new LoadProfile(workers, systems, slots, promptsPerIteration, samplesPerPrompt, iterations, duration,
                    tokenBudget, maxResponseTokens, seed,
                    new Rollout(responseTokens, timeToFirstTokenMs, timePerToken, rolloutFailureRate, restartTime,
                            hangRate, hangTime),
                    new Reward(rewardLatencyMs, rewardFailureRate, passRate),
                    new Trainer(trainTimePerToken, weightsMb), faults, settings);
        }
    }
}
