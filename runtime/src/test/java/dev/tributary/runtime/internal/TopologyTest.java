package dev.tributary.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every setting a topology cannot honour is refused at start, naming the key, the value and what was expected. */
class TopologyTest {
    private static final String CLUSTER = """
            pekko.actor.provider = cluster
            pekko.cluster.seed-nodes = ["pekko://tributary@127.0.0.1:1"]
            tributary.run.checkpoint-every = 0
            """;

    private static TributarySettings settings(String hocon) {
        return TributarySettings.load(ConfigFactory.parseString(hocon));
    }

    private static SettingsException refused(String hocon, Set<String> roles) {
        return assertThrows(SettingsException.class, () -> Topology.of(settings(hocon), roles));
    }

    @Test
    void everyRoleInOneJvm_isTheEmbeddedRun() {
        Topology t = Topology.of(settings(""), RoleKeys.ALL);
        assertFalse(t.cluster());
        assertTrue(t.has(RoleKeys.TRAINER));
    }

    @Test
    void someRoles_needACluster() {
        var e = refused("", Set.of("rollout"));
        assertEquals("pekko.actor.provider", e.path());
        assertTrue(e.getMessage().startsWith("pekko.actor.provider = local: expected cluster for a node with only the "
                + "roles [rollout]"), e.getMessage());
    }

    @Test
    void sharedParameters_areRefusedOnAClusterNode() {
        var e = refused(CLUSTER + "tributary.weights.sync = shared", Set.of("trainer"));
        assertEquals("tributary.weights.sync = \"shared\": expected broadcast or auto on a cluster node: shared "
                + "parameters need the trainer and every rollout worker in one JVM", e.getMessage());
        assertTrue(Topology.of(settings(CLUSTER + "tributary.weights.sync = broadcast"), Set.of("trainer")).cluster());
    }

    @Test
    void checkpointsAndResume_workWhereverTheRolesLive() {
        // Each stateful role writes its own part into the shared checkpoint directory; no node needs them all.
        for (Set<String> roles : List.of(Set.of("master"), Set.of("master", "replay", "reward"), Set.of("trainer"),
                Set.of("rollout"), Set.of("master", "trainer", "replay"))) {
            assertTrue(Topology.of(settings(CLUSTER + "tributary.run { checkpoint-every = 5, resume = true, "
                    + "out-dir = runs/r, checkpoint-dir = /shared/r }"), roles).cluster(), roles.toString());
        }
    }

    @Test
    void checkpointsInACluster_needADirectoryEveryNodeNames() {
        // Without out-dir and checkpoint-dir each node would pick its own new runs/<date-time>/checkpoints.
        var e = refused(CLUSTER + "tributary.run.checkpoint-every = 5", Set.of("trainer"));
        assertEquals("tributary.run.checkpoint-dir = \"\": expected a directory every node of the cluster reaches "
                + "(the same path on each; a shared volume across machines) when tributary.run.checkpoint-every > 0, "
                + "or tributary.run.checkpoint-every = 0", e.getMessage());
        for (String set : List.of("tributary.run.checkpoint-dir = /shared/r", "tributary.run.out-dir = runs/r",
                "tributary.run.checkpoint-every = 0")) {
            Topology.of(settings(CLUSTER + set), Set.of("trainer"));
        }
        Topology.of(settings(CLUSTER + "tributary.run.checkpoint-every = 5"), Set.of("rollout"));
    }

    @Test
    void moreRolloutWorkersAwaited_thanAnEmbeddedRunHas_isRefused() {
        var e = refused("tributary.cluster.min-rollout-workers = 3", RoleKeys.ALL);
        assertEquals("tributary.cluster.min-rollout-workers = 3: expected at most tributary.rollout.workers (2) in a "
                + "run without a cluster, whose master waits for every one of its own workers", e.getMessage());
    }

    @Test
    void bootstrapWithoutACluster_isRefused() {
        var e = refused("tributary.cluster.bootstrap = on", RoleKeys.ALL);
        assertEquals("tributary.cluster.bootstrap", e.path());
    }

    @Test
    void unknownRoles_areRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Topology.of(settings(""), Set.of("judge")));
        assertEquals("unknown role 'judge'; the roles are master, replay, reward, reward-model, rollout, trainer", e.getMessage());
    }
}
