package dev.tributary.runtime.internal;

import com.typesafe.config.Config;
import dev.tributary.actors.sync.WeightSync;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.settings.PluginChoices;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a node stands: the roles it runs, and whether it is one node of a cluster or a run with every role in one
 * JVM (the embedded default). Built once at start, it refuses every setting this topology cannot honour, naming
 * the key, the value and what was expected, so that no setting is ever silently ignored.
 */
final class Topology {
    static final String AUTO = "auto";

    private final Set<String> roles;
    private final boolean cluster;
    private final ClusterFormation.Mode formation;

    private Topology(Set<String> roles, boolean cluster, ClusterFormation.Mode formation) {
        this.roles = roles;
        this.cluster = cluster;
        this.formation = formation;
    }

    /** Checks {@code roles} against {@code settings}; throws {@link SettingsException} or IllegalArgumentException. */
    static Topology of(TributarySettings settings, Set<String> roles) {
        Set<String> checked = RoleKeys.check(roles);
        ClusterFormation.Mode formation = ClusterFormation.decide(settings.config());
        boolean cluster = formation != ClusterFormation.Mode.ALONE;
        Topology t = new Topology(checked, cluster, formation);
        t.refuseWhatCannotBeHonoured(settings);
        return t;
    }

    private void refuseWhatCannotBeHonoured(TributarySettings s) {
        Config c = s.config();
        if (!cluster && !roles.containsAll(RoleKeys.ALL)) {
            throw new SettingsException(ClusterFormation.PROVIDER, c.getValue(ClusterFormation.PROVIDER).unwrapped(),
                    "cluster for a node with only the roles " + new TreeSet<>(roles) + ": without a cluster a node "
                            + "must run every role (" + String.join(",", new TreeSet<>(RoleKeys.ALL)) + ")");
        }
        String sync = s.plugins().get(WeightSync.KEY).name();
        if (cluster && sync.equals("shared")) {
            throw new SettingsException(WeightSync.KEY, "\"shared\"", "broadcast or auto on a cluster node: shared "
                    + "parameters need the trainer and every rollout worker in one JVM");
        }
        if (cluster && s.run().checkpointEvery() > 0 && (has(RoleKeys.MASTER) || has(RoleKeys.TRAINER)
                || has(RoleKeys.REPLAY)) && s.config().getString("tributary.run.checkpoint-dir").isEmpty()
                && s.config().getString("tributary.run.out-dir").isEmpty()) {
            // Each node would default to <its own new runs/<date-time>>/checkpoints: the parts would never meet.
            throw new SettingsException("tributary.run.checkpoint-dir", "\"\"", "a directory every node of the "
                    + "cluster reaches (the same path on each; a shared volume across machines) when "
                    + "tributary.run.checkpoint-every > 0, or tributary.run.checkpoint-every = 0");
        }
        if (!cluster && s.cluster().minRolloutWorkers() > s.rollout().workers()) {
            throw new SettingsException("tributary.cluster.min-rollout-workers", s.cluster().minRolloutWorkers(),
                    "at most tributary.rollout.workers (" + s.rollout().workers() + ") in a run without a cluster, "
                            + "whose master waits for every one of its own workers");
        }
    }

    /** The plug-in roles each node role builds; the task and the weight sync are every node's. */
    private static final Map<Plugins.Kind<?, ?>, String> KIND_ROLES = Map.of(
            Plugins.DRIVER, RoleKeys.MASTER, Plugins.SAMPLER, RoleKeys.MASTER,
            Plugins.ROLLOUT_BEHAVIOR, RoleKeys.ROLLOUT, Plugins.REWARD_FUNCTION, RoleKeys.REWARD,
            Plugins.REWARD_SHAPING, RoleKeys.REWARD, Plugins.REPLAY_STORE, RoleKeys.REPLAY,
            Plugins.TRAINER_STEP, RoleKeys.TRAINER, Plugins.LOSS, RoleKeys.TRAINER, Plugins.CORRECTION, RoleKeys.TRAINER);

    /** True when this node builds the plug-in of {@code kind} (its name is checked here). */
    boolean uses(Plugins.Kind<?, ?> kind) {
        String role = KIND_ROLES.get(kind);
        return role == null || roles.contains(role);
    }

    boolean has(String role) {
        return roles.contains(role);
    }

    Set<String> roles() {
        return roles;
    }

    /** True on a node of a cluster; false when every role runs in this JVM alone. */
    boolean cluster() {
        return cluster;
    }

    ClusterFormation.Mode formation() {
        return formation;
    }

    /**
     * The weight sync the settings choose, {@code auto} resolved: shared in one JVM, broadcast on a cluster or
     * with a driver that overlaps rollout and training.
     */
    WeightSync weightSync(RunParts parts) {
        PluginChoices.Choice c = parts.settings().plugins().get(WeightSync.KEY);
        boolean overlap = parts.phasesOverlap();
        String name = c.name().equals(AUTO) ? (cluster || overlap ? "broadcast" : "shared") : c.name();
        if (overlap && name.equals("shared")) {
            throw new SettingsException(WeightSync.KEY, "\"shared\"", "broadcast or auto with the asynchronous "
                    + "driver: its trainer would write the very arrays the engines read");
        }
        WeightSync.Context context = new WeightSync.Context(parts.settings().config());
        WeightSync sync = parts.plugins().create(Plugins.WEIGHT_SYNC, name, c.settings(), context);
        if ((cluster || overlap) && sync.sharesParameters()) {
            throw new SettingsException(WeightSync.KEY, sync.getClass().getName(), "a weight sync that copies "
                    + "weights (its sharesParameters() is true) on a cluster node or with the asynchronous driver");
        }
        return sync;
    }
}
