package dev.tributary.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.token.Tokenizer;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.settings.PluginChoices;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a {@link LoadProfile} becomes a real run: the {@code tributary.*} settings it implies, and the plug-ins that
 * put the synthetic rollout behaviour, reward function and trainer step in place (registered under
 * {@value #SYNTHETIC}) with the replay store and trainer step the run uses wrapped to count for the {@link Ledger}
 * (under {@value #COUNTED}). A test's own settings in the profile are layered over the derived ones; a plug-in
 * instance a test gives for a role replaces the synthetic one.
 */
final class SyntheticRoles {
    static final String SYNTHETIC = "testkit-synthetic";
    static final String COUNTED = "testkit-counted";
    /** Operand digits of the prompts: enough distinct ones for 100k trajectories per iteration. */
    private static final int DIGITS = 4;

    private SyntheticRoles() {
    }

    /**
     * The settings of one node: {@code nodeWorkers} rollout workers here, {@code allWorkers} over the run (the
     * master waits for them), the test's own settings layered over them. The replay store and trainer step name
     * the counting wrappers; {@link #inner} says what they wrap.
     */
    static Config settings(LoadProfile p, Path outDir, int nodeWorkers, int allWorkers) {
        return ConfigFactory.parseMap(Map.of("tributary.replay.store", COUNTED, "tributary.trainer.step", COUNTED),
                "load test counting").withFallback(chosen(p, outDir, nodeWorkers, allWorkers));
    }

    /** The settings before the counting wrappers go in: what the test chose over what the profile implies. */
    static Config chosen(LoadProfile p, Path outDir, int nodeWorkers, int allWorkers) {
        int rounds = (p.maxResponseTokens() + p.tokenBudget() - 1) / p.tokenBudget();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tributary.run.seed", p.seed());
        m.put("tributary.run.iterations", p.iterations());
        m.put("tributary.run.out-dir", outDir.toString());
        m.put("tributary.run.checkpoint-every", 0);
        m.put("tributary.sft.steps", 0);
        m.put("tributary.eval.prompts", 0);
        m.put("tributary.task.arithmetic.max-digits", DIGITS);
        m.put("tributary.sampler.prompts-per-iteration", p.promptsPerIteration());
        m.put("tributary.sampler.samples-per-prompt", p.samplesPerPrompt());
        m.put("tributary.sampler.pool-size", Math.max(64, p.promptsPerIteration()));
        m.put("tributary.sampler.difficulty.start", DIGITS);
        m.put("tributary.sampler.difficulty.end", DIGITS);
        m.put("tributary.rollout.behavior", SYNTHETIC);
        m.put("tributary.rollout.workers", nodeWorkers);
        m.put("tributary.rollout.slots", p.slots());
        m.put("tributary.rollout.token-budget", p.tokenBudget());
        m.put("tributary.rollout.max-response-tokens", p.maxResponseTokens());
        m.put("tributary.reward.function", SYNTHETIC);
        // Room for every group still waiting for a cut sample, over the rounds a cut trajectory may take.
        m.put("tributary.replay.capacity", (long) p.trajectoriesPerIteration() * (rounds + 2));
        m.put("tributary.trainer.step", SYNTHETIC);
        m.put("tributary.trainer.minibatch-size", p.samplesPerPrompt());
        m.put("tributary.trainer.steps-per-iteration", 1);
        // The device arbiter's budget is bookkeeping on a CPU; the synthetic roles need none of it.
        m.put("tributary.device.memory-budget-mb", 1 << 20);
        m.put("tributary.cluster.min-rollout-workers", allWorkers);
        m.putAll(model(p.trainer().weightsMb()));
        return p.settings().withFallback(ConfigFactory.parseMap(m, "load profile"));
    }

    /**
     * A one-layer model whose weights take about {@code mb} MiB (four heads, an MLP four times as wide); nothing
     * for 0, which keeps the runtime's default model. Its parameters: 12·d² + d·(2·vocab + 75) for width d.
     */
    static Map<String, Object> model(double mb) {
        if (mb <= 0) {
            return Map.of();
        }
        double params = mb * (1 << 20) / 4;
        double b = 2.0 * Tokenizer.standard().vocabSize() + 75;
        int d = (int) Math.max(4, Math.round((-b + Math.sqrt(b * b + 48 * params)) / 24 / 4) * 4);
        return Map.of("tributary.model.layers", 1, "tributary.model.heads", 4, "tributary.model.d-model", d,
                "tributary.model.ff-hidden", 4 * d, "tributary.model.context-length", 64);
    }

    /** What the counting wrappers wrap: the store and step the test's settings chose (the synthetic step by default). */
    record Inner(PluginChoices.Choice store, PluginChoices.Choice step) {
    }

    /** The choices under the counting wrappers, read (and checked) from {@link #chosen} settings. */
    static Inner inner(Config chosen) {
        PluginChoices c = TributarySettings.load(chosen).plugins();
        return new Inner(c.get(ReplayStore.KEY), c.get(TrainerStep.KEY));
    }

    /**
     * {@code base} with the synthetic roles registered and the counting wrappers in place; {@code store} receives
     * the replay store the replay node builds, so that the harness can read what it holds at the end.
     */
    static Plugins plugins(Plugins base, LoadProfile p, Inner inner, Ledger ledger, Workers workers,
                           AtomicReference<CountingStore> store) {
        Plugins withRoles = base
                .register(Plugins.ROLLOUT_BEHAVIOR, SYNTHETIC, (c, ctx) -> new SyntheticRollout(p, ledger, workers))
                .register(Plugins.REWARD_FUNCTION, SYNTHETIC, (c, ctx) -> new SyntheticReward(p.reward(), p.seed(),
                        ledger))
                .register(Plugins.TRAINER_STEP, SYNTHETIC, (c, ctx) -> new SyntheticTrainer(p.trainer(), ctx, ledger));
        Plugins out = withRoles
                .register(Plugins.REPLAY_STORE, COUNTED, (c, ctx) -> counted(store, new CountingStore(
                        withRoles.create(Plugins.REPLAY_STORE, inner.store().name(), inner.store().settings(), ctx),
                        ledger)))
                .register(Plugins.TRAINER_STEP, COUNTED, (c, ctx) -> new CountingStep(
                        withRoles.create(Plugins.TRAINER_STEP, inner.step().name(), inner.step().settings(), ctx),
                        ledger));
        // An instance a test gave wins over any name, so it is wrapped as an instance.
        if (base.hasInstance(Plugins.REPLAY_STORE)) {
            out = out.use(Plugins.REPLAY_STORE, counted(store, new CountingStore(base.create(Plugins.REPLAY_STORE,
                    inner.store().name(), inner.store().settings(), null), ledger)));
        }
        if (base.hasInstance(Plugins.TRAINER_STEP)) {
            out = out.use(Plugins.TRAINER_STEP, new CountingStep(base.create(Plugins.TRAINER_STEP,
                    inner.step().name(), inner.step().settings(), null), ledger));
        }
        return out;
    }

    private static CountingStore counted(AtomicReference<CountingStore> out, CountingStore s) {
        out.set(s);
        return s;
    }
}
