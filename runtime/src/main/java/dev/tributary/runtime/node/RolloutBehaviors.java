package dev.tributary.runtime.node;

import dev.tributary.model.registry.Registry;

/**
 * Rollout worker behaviours by name, chosen with {@code tributary.rollout.behavior}. Built in: {@code engine}, a
 * worker over the inference engine. A fully qualified class name implementing
 * {@link EmbeddedGuardian.RolloutBehavior} (with a public constructor taking a Config or none) swaps in a
 * researcher's own behaviour without touching the runtime.
 */
public final class RolloutBehaviors {
    public static final String ENGINE = "engine";

    private RolloutBehaviors() {
    }

    public static Registry<EmbeddedGuardian.RolloutBehavior> registry() {
        return new Registry<>("rollout behavior", EmbeddedGuardian.RolloutBehavior.class)
                .register(ENGINE, c -> EmbeddedGuardian.ENGINE);
    }
}
