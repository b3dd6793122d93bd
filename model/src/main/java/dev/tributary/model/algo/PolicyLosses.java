package dev.tributary.model.algo;

import com.typesafe.config.Config;
import dev.tributary.model.registry.Registry;

/**
 * The built-in losses by name. Each factory reads its own settings block ({@code tributary.algo.<name>} in
 * reference.conf).
 */
public final class PolicyLosses {
    /** The setting that names the loss. */
    public static final String KEY = "tributary.trainer.loss";

    private PolicyLosses() {
    }

    /** What a loss factory receives besides its settings: k, the size of the groups its baselines are taken over. */
    public record Context(int samplesPerPrompt) {
    }

    public static Registry<Context, PolicyLoss> registry() {
        return new Registry<>(KEY, PolicyLoss.class, Context.class)
                .register("opmd", (c, ctx) -> new Opmd(c.getDouble("tau"), baseline(c)))
                .register("reinforce", (c, ctx) -> new Reinforce())
                .register("grpo", (c, ctx) -> new Grpo(c.getDouble("clip")))
                .register("rest", (c, ctx) -> new Rest(c.getDouble("min-reward")))
                .register("dpo", (c, ctx) -> new Dpo(c.getDouble("beta")));
    }

    private static Opmd.Baseline baseline(Config c) {
        String b = c.getString("baseline");
        return switch (b) {
            case "mean" -> Opmd.Baseline.MEAN;
            case "log-sum-exp" -> Opmd.Baseline.LOG_SUM_EXP;
            default -> throw new IllegalArgumentException("opmd baseline '" + b + "' at " + c.origin().description()
                    + " must be 'mean' or 'log-sum-exp'");
        };
    }
}
