package dev.tributary.model.algo;

import com.typesafe.config.Config;
import dev.tributary.model.registry.Registry;

/**
 * The built-in losses by name. Each factory reads its own settings block ({@code tributary.algo.<name>} in
 * reference.conf).
 */
public final class PolicyLosses {
    private PolicyLosses() {
    }

    public static Registry<PolicyLoss> registry() {
        return new Registry<>("policy loss", PolicyLoss.class)
                .register("opmd", c -> new Opmd(c.getDouble("tau"), baseline(c)))
                .register("reinforce", c -> new Reinforce())
                .register("grpo", c -> new Grpo(c.getDouble("clip")))
                .register("rest", c -> new Rest(c.getDouble("min-reward")))
                .register("dpo", c -> new Dpo(c.getDouble("beta")));
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
