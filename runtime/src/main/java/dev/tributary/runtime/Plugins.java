package dev.tributary.runtime;

import com.typesafe.config.Config;
import dev.tributary.actors.master.Driver;
import dev.tributary.actors.master.MasterSettings;
import dev.tributary.actors.replay.ReplayStore;
import dev.tributary.actors.reward.RewardFunction;
import dev.tributary.actors.reward.RewardFunctions;
import dev.tributary.actors.reward.RewardShaping;
import dev.tributary.actors.rollout.RolloutBehavior;
import dev.tributary.actors.sampling.PromptSampler;
import dev.tributary.actors.sampling.Samplers;
import dev.tributary.actors.sync.WeightSync;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.algo.OffPolicyCorrection;
import dev.tributary.model.algo.OffPolicyCorrections;
import dev.tributary.model.algo.PolicyLoss;
import dev.tributary.model.algo.PolicyLosses;
import dev.tributary.model.registry.Registry;
import dev.tributary.model.task.Task;
import dev.tributary.model.task.Tasks;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The plug-ins of a run: for each role ({@link Kind}) the implementations registered by name, plus any instances
 * given through the Java API. Every role has the same shape: a setting names the implementation (a registered
 * name or a fully qualified class name), a factory gets the plug-in's own settings subtree and the role's context
 * object, and the result implements the role's interface. Immutable: {@link #register} and {@link #use} return a
 * new {@code Plugins}.
 *
 * <pre>{@code
 * Plugins plugins = Plugins.builtIn()
 *         .register(Plugins.REPLAY_STORE, "spread-first", (settings, ctx) -> new SpreadFirstStore(settings, ctx))
 *         .use(Plugins.REWARD_SHAPING, new MyShaping());     // an instance wins over the setting's name
 * }</pre>
 */
public final class Plugins {
    /**
     * One plug-in role: the setting that chooses it, its interface, its context and its built-in implementations.
     *
     * @param <C> the context a factory receives
     * @param <T> the role's interface
     */
    public static final class Kind<C, T> {
        private final Supplier<Registry<C, T>> builtIns;
        private final Registry<C, T> probe;

        private Kind(Supplier<Registry<C, T>> builtIns) {
            this.builtIns = builtIns;
            this.probe = builtIns.get();
        }

        /** The setting that names the implementation, e.g. {@code tributary.replay.store}. */
        public String key() {
            return probe.key();
        }

        /** The interface an implementation (or a class named in the setting) must implement. */
        public Class<T> type() {
            return probe.type();
        }

        public Class<C> contextType() {
            return probe.contextType();
        }

        @Override
        public String toString() {
            return key() + " (" + type().getName() + ")";
        }
    }

    /** The master's driver: the order of its phases ({@code synchronous}, {@code asynchronous}). */
    public static final Kind<MasterSettings, Driver> DRIVER = new Kind<>(() -> new Registry<>(
            "tributary.master.driver", Driver.class, MasterSettings.class)
            .register("synchronous", (c, ctx) -> Driver.SYNCHRONOUS)
            .register("asynchronous", (c, ctx) -> Driver.asynchronous(maxStaleness(c), dropsStale(c),
                    !weightSwap(c).equals("batch"))));
    /** Each rollout worker's behaviour ({@code engine}). */
    public static final Kind<RolloutBehavior.Context, RolloutBehavior> ROLLOUT_BEHAVIOR =
            new Kind<>(RolloutBehavior::registry);
    /** The reward function ({@code verifier}, {@code code}). */
    public static final Kind<RewardFunctions.Context, RewardFunction> REWARD_FUNCTION =
            new Kind<>(RewardFunctions::registry);
    /** Task reward to trained reward ({@code penalties}). */
    public static final Kind<RewardShaping.Context, RewardShaping> REWARD_SHAPING =
            new Kind<>(RewardShaping::registry);
    /** What the replay buffer holds and hands to training ({@code groups}). */
    public static final Kind<ReplayStore.Context, ReplayStore> REPLAY_STORE = new Kind<>(ReplayStore::registry);
    /** What training on a batch does ({@code minibatch}). */
    public static final Kind<TrainerStep.Context, TrainerStep> TRAINER_STEP = new Kind<>(TrainerStep::registry);
    /** The policy loss ({@code opmd}, {@code reinforce}, {@code grpo}, {@code rest}, {@code dpo}). */
    public static final Kind<PolicyLosses.Context, PolicyLoss> LOSS = new Kind<>(PolicyLosses::registry);
    /**
     * The off-policy correction every loss applies ({@code none}, {@code tis}, {@code mis}): with it the loss's
     * reference is the trainer's weights at the start of the step, weighted against the engine's.
     */
    public static final Kind<PolicyLosses.Context, OffPolicyCorrection> CORRECTION =
            new Kind<>(OffPolicyCorrections::registry);
    /** How prompts are chosen ({@code uniform}, {@code curriculum}, {@code prioritized}). */
    public static final Kind<Samplers.Context, PromptSampler> SAMPLER = new Kind<>(Samplers::registry);
    /** How weights reach the rollout workers ({@code shared}, {@code broadcast}; {@code auto} picks). */
    public static final Kind<WeightSync.Context, WeightSync> WEIGHT_SYNC = new Kind<>(WeightSync::registry);
    /** Where prompts, worked solutions and the verifier come from ({@code arithmetic}). */
    public static final Kind<Tasks.Context, Task> TASK = new Kind<>(Tasks::registry);

    /** Every role, in the order of the README's table. */
    public static final List<Kind<?, ?>> KINDS = List.of(DRIVER, ROLLOUT_BEHAVIOR, REWARD_FUNCTION, REWARD_SHAPING,
            REPLAY_STORE, TRAINER_STEP, LOSS, CORRECTION, SAMPLER, WEIGHT_SYNC, TASK);

    private static final Plugins BUILT_IN = new Plugins(Map.of(), Map.of());
    private static final String ASYNC = "tributary.master.asynchronous.";

    private static int maxStaleness(Config c) {
        int eta = c.getInt("max-staleness");
        if (eta < 0) {
            throw new IllegalArgumentException(ASYNC + "max-staleness = " + eta + ": expected an integer >= 0");
        }
        return eta;
    }

    private static boolean dropsStale(Config c) {
        String policy = c.getString("on-stale");
        if (!policy.equals("drop") && !policy.equals("mask")) {
            throw new IllegalArgumentException(ASYNC + "on-stale = \"" + policy + "\": expected drop or mask");
        }
        return policy.equals("drop");
    }

    /** {@code recompute}, {@code keep} or {@code batch}: when and how rollout workers switch versions. */
    public static String weightSwap(Config c) {
        String swap = c.hasPath("weight-swap") ? c.getString("weight-swap") : "recompute";
        if (!List.of("recompute", "keep", "batch").contains(swap)) {
            throw new IllegalArgumentException(ASYNC + "weight-swap = \"" + swap + "\": expected recompute, keep or "
                    + "batch");
        }
        return swap;
    }

    private final Map<Kind<?, ?>, Registry<?, ?>> registries;
    private final Map<Kind<?, ?>, Object> instances;

    private Plugins(Map<Kind<?, ?>, Registry<?, ?>> registries, Map<Kind<?, ?>, Object> instances) {
        this.registries = Map.copyOf(registries);
        this.instances = Map.copyOf(instances);
    }

    /** The built-in implementations only. */
    public static Plugins builtIn() {
        return BUILT_IN;
    }

    /**
     * Adds an implementation under {@code name}, usable in the kind's setting. A name already registered (built
     * in or added) fails, naming the key.
     */
    public <C, T> Plugins register(Kind<C, T> kind, String name, Registry.Factory<C, ? extends T> factory) {
        Registry<C, T> copy = registry(kind).copy();
        copy.register(name, factory);
        Map<Kind<?, ?>, Registry<?, ?>> r = new HashMap<>(registries);
        r.put(kind, copy);
        return new Plugins(r, instances);
    }

    /**
     * Uses {@code instance} for {@code kind} on every node started with these plug-ins, whatever the setting
     * names. Objects that hold state (a replay store) must not be shared between runs.
     */
    public <C, T> Plugins use(Kind<C, T> kind, T instance) {
        Objects.requireNonNull(instance, () -> "instance for " + kind.key());
        if (!kind.type().isInstance(instance)) {
            throw new IllegalArgumentException(kind.key() + ": " + instance.getClass().getName()
                    + " does not implement " + kind.type().getName());
        }
        Map<Kind<?, ?>, Object> i = new HashMap<>(instances);
        i.put(kind, instance);
        return new Plugins(registries, i);
    }

    /** The names usable for {@code kind}: the built-in ones and those registered here. */
    @SuppressWarnings("unchecked")
    public <C, T> Registry<C, T> registry(Kind<C, T> kind) {
        Registry<C, T> r = (Registry<C, T>) registries.get(kind);
        return r != null ? r : kind.builtIns.get();
    }

    /** True when {@code kind} was given an instance. */
    public boolean hasInstance(Kind<?, ?> kind) {
        return instances.containsKey(kind);
    }

    /**
     * The implementation for {@code kind}: the instance given, else the one {@code name} chooses, built with
     * {@code settings} and {@code context}. Fails naming the key on an unknown name or a class of the wrong type.
     */
    public <C, T> T create(Kind<C, T> kind, String name, Config settings, C context) {
        Object instance = instances.get(kind);
        if (instance != null) {
            return kind.type().cast(instance);
        }
        return registry(kind).create(name, settings, context);
    }
}
