package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.RoleKeys;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.ForkedNodes;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The five-node run: two nodes carry the master, replay and reward roles (one active instance of each, the
 * other a standby), one the trainer, two rollout. One node's JVM is killed with SIGKILL while the trainer holds its
 * fourth step: the node of the active replay buffer and reward actor (whose master is a standby), or the node of
 * the active master (whose replay buffer and reward actor are standbys). Either way the run recovers on the other
 * node and ends with the weights, bit for bit, of the run that lost nothing.
 *
 * <p>Which of two replay buffers is active is the first by node address, so the test gives the node that is not
 * the seed (and so not the oldest, where the master runs) the lower port.
 */
@Tag("slow")
class FiveNodeRecoveryTest {
    private static final String RUN = """
            tributary.run { iterations = 6, checkpoint-every = 1 }
            tributary.cluster.recovery-timeout = 2m
            tributary.trainer.step = dev.tributary.runtime.cluster.HeldTrainerStep
            pekko.cluster {
              downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
              split-brain-resolver { active-strategy = keep-majority, stable-after = 3s }
              failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
            }
            """;
    private static final String STATEFUL = "master,replay,reward";

    private final List<TributaryRun> nodes = new ArrayList<>();
    private final ProgressLines lines = new ProgressLines();
    private ForkedNodes forked;

    @BeforeEach
    @AfterEach
    void holdNothing() {
        HeldTrainerStep.noHold();
    }

    @AfterEach
    void stop() throws Exception {
        if (forked != null) {
            forked.close();
        }
        ClusterNodes.stopAll(nodes);
    }

    private static TributarySettings settings(Path dir, String node, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(RUN + "tributary.cluster.min-rollout-workers = 4\n"
                + "tributary.run.checkpoint-dir = \""
                + dir.resolve("checkpoints") + "\"").withFallback(ClusterNodes.settings(dir.resolve(node), port, seed)
                .config()));
    }

    private TributaryRun node(TributarySettings settings, String roles) {
        TributaryRun n = ClusterNodes.node(settings, Set.of(roles.split(",")), lines);
        nodes.add(n);
        return n;
    }

    /** Forks node {@code name}, its settings in {@code <dir>/<name>.conf}, its output in {@code <dir>/<name>.log}. */
    private ForkedNodes.Node fork(Path dir, String name, String roles, int port, int seed) {
        if (forked == null) {
            forked = new ForkedNodes(dir);
        }
        Path conf = forked.writeSettings(name, settings(dir, name, port, seed).config());
        return forked.start(name, roles, port, seed, conf);
    }

    /** The trainer, two rollout nodes (in this JVM), then waits for the trainer to hold its fourth step. */
    private void startTheRest(Path dir, int seed) throws Exception {
        node(settings(dir, "trainer", 0, seed), "trainer");
        node(settings(dir, "rollout-1", 0, seed), "rollout");
        node(settings(dir, "rollout-2", 0, seed), "rollout");
        HeldTrainerStep.awaitHeld(Duration.ofMinutes(3), lines::text);
    }

    private static void awaitMembersUp(TributaryRun node, int count) throws InterruptedException {
        ClusterWaits.membersUp(ClusterNodes.systemOf(node), count, Duration.ofMinutes(2));
    }

    /** Waits until {@code node} sees {@code count} replay buffers listed. */
    private static void awaitListed(TributaryRun node, int count) throws InterruptedException {
        ClusterWaits.listed(ClusterNodes.systemOf(node), RoleKeys.REPLAY_KEY, count, Duration.ofMinutes(2));
    }

    private void awaitLine(String text) {
        lines.awaitContaining(text, Duration.ofMinutes(2));
    }

    /** The lower of two free ports for the standby node, so that its replay buffer and reward actor are active. */
    private static int[] seedAndOther() {
        int[] ports = Loopback.freePorts(2);
        Arrays.sort(ports);
        return new int[] {ports[1], ports[0]};
    }

    private void assertSameAsWhole(Path dir, RunResult whole, RunResult r) {
        String log = lines.text();
        assertEquals(new PolicyVersion(6), r.version(), log);
        assertEquals(whole.weights().checksum(), assertDoesNotThrowLoad(dir), "weights after the run differ from "
                + "those of the run that lost nothing:\n" + log);
        // A master that took over reports the iterations it ran.
        var rewards = whole.metrics().stream().map(IterationMetrics::meanReward).toList();
        assertEquals(rewards.subList(rewards.size() - r.metrics().size(), rewards.size()),
                r.metrics().stream().map(IterationMetrics::meanReward).toList(), log);
    }

    private static long assertDoesNotThrowLoad(Path dir) {
        try {
            return CheckpointStore.at(dir.resolve("checkpoints"), 3).load(6).weights().checksum();
        } catch (java.io.IOException e) {
            throw new AssertionError("the run's last checkpoint cannot be read: " + e.getMessage(), e);
        }
    }

    @Test
    void theActiveReplayNodeIsKilled_theRunMovesToTheStandbyReplayAndEndsAsTheWholeRun(@TempDir Path dir)
            throws Exception {
        RunResult whole = TinyRuns.run(dir.resolve("whole"), RUN);
        HeldTrainerStep.holdAt(4);
        int[] ports = seedAndOther();
        int seed = ports[0];
        TributaryRun master = node(settings(dir, "a", seed, seed), STATEFUL);
        ClusterNodes.systemOf(master); // the oldest node with the master role: the master runs here
        ForkedNodes.Node standby = fork(dir, "b", STATEFUL, ports[1], seed);
        awaitListed(master, 2); // the run starts with the replay buffer that is first by address: the standby's
        startTheRest(dir, seed);
        awaitMembersUp(master, 5);

        standby.kill(); // SIGKILL, in the middle of iteration 4
        awaitLine("s for a re"); // a replay buffer or a reward actor, whichever the master saw go first
        HeldTrainerStep.release.countDown();

        RunResult r = ClusterNodes.result(master, 4, lines::text);
        String log = lines.text();
        assertTrue(log.matches("(?s).*role (replay|reward) at pekko://tributary@127\\.0\\.0\\.1:" + ports[1]
                + " is gone in iteration 4.*"), "the standby's node did not hold the active roles:\n" + log);
        assertTrue(log.contains("is back at pekko://tributary@127.0.0.1:" + seed + "; the run rewinds to the "
                + "checkpoint after iteration 3"), log);
        assertSameAsWhole(dir, whole, r);
    }

    @Test
    void theActiveMastersNodeIsKilled_theStandbyTakesOverWithItsOwnReplayAndEndsAsTheWholeRun(@TempDir Path dir)
            throws Exception {
        RunResult whole = TinyRuns.run(dir.resolve("whole"), RUN);
        HeldTrainerStep.holdAt(4);
        int[] ports = seedAndOther();
        int seed = ports[0];
        // The forked node is the seed and the oldest: the master runs there; the replay buffer in use is the other's.
        ForkedNodes.Node first = fork(dir, "a", STATEFUL, seed, seed);
        TributaryRun standby = node(settings(dir, "b", ports[1], seed), STATEFUL);
        awaitListed(standby, 2);
        startTheRest(dir, seed);
        awaitMembersUp(standby, 5);

        first.kill(); // SIGKILL, in the middle of iteration 4
        awaitLine("this node takes over the run");
        HeldTrainerStep.release.countDown();

        RunResult r = ClusterNodes.result(standby, 4, lines::text);
        assertSameAsWhole(dir, whole, r);
    }

    @Test
    void theTrainersJvmIsKilled_andStartedAgainByHand_theRunRewindsAndEndsAsTheWholeRun(@TempDir Path dir)
            throws Exception {
        RunResult whole = TinyRuns.run(dir.resolve("whole"), RUN);
        int[] ports = Loopback.freePorts(2);
        int seed = ports[0];
        TributaryRun master = node(settings(dir, "a", seed, seed), STATEFUL);
        ClusterNodes.systemOf(master);
        node(settings(dir, "b", 0, seed), STATEFUL);
        ForkedNodes.Node trainer = fork(dir, "trainer", "trainer", ports[1], seed);
        node(settings(dir, "rollout-1", 0, seed), "rollout");
        node(settings(dir, "rollout-2", 0, seed), "rollout");
        awaitLine("iter   3");
        trainer.kill(); // SIGKILL
        awaitLine("waiting up to 120 s for a trainer");
        // The same command again: the same port, a new incarnation of the lost member's address.
        forked.start("trainer-2", "trainer", ports[1], seed, dir.resolve("trainer.conf"));

        RunResult r = ClusterNodes.result(master, 4, lines::text);
        String log = lines.text();
        assertTrue(log.matches("(?s).*a trainer is back at pekko://tributary@127\\.0\\.0\\.1:" + ports[1]
                + "; the run rewinds to the checkpoint after iteration [23]\\b.*"), log);
        assertSameAsWhole(dir, whole, r);
    }
}
