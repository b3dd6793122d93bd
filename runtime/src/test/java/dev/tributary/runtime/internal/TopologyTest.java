package dev.tributary.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
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
    void checkpointsAndResume_needTheMasterTrainerAndReplayOnOneNode() {
        var e = refused(CLUSTER + "tributary.run.checkpoint-every = 5", Set.of("master", "replay", "reward"));
        assertEquals("tributary.run.checkpoint-every", e.path());
        assertTrue(e.getMessage().contains("checkpoints are written only where the master, the trainer and the "
                + "replay buffer share a node"), e.getMessage());
        e = refused(CLUSTER + "tributary.run { resume = true, out-dir = somewhere }", Set.of("master"));
        assertEquals("tributary.run.resume", e.path());
        // Nodes without the master do not checkpoint; the master's node with trainer and replay does.
        Topology.of(settings(CLUSTER + "tributary.run.checkpoint-every = 5"), Set.of("rollout"));
        Topology.of(settings(CLUSTER + "tributary.run.checkpoint-every = 5"), Set.of("master", "trainer", "replay"));
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
        assertEquals("unknown role 'judge'; the roles are master, replay, reward, rollout, trainer", e.getMessage());
    }
}
