package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.ForkedNodes;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's node runs in its own JVM and is killed with SIGKILL in the middle of a run. With a replacement
 * started by hand (the same {@code tributary node --roles trainer} command), the run rewinds to its newest
 * checkpoint and ends with the weights, bit for bit, of a run that lost nothing. With none, the run ends within the
 * recovery timeout and every node exits non-zero.
 */
@Tag("slow")
class KilledTrainerJvmTest {
    private ForkedNodes forked;
    private TributaryRun local;

    @AfterEach
    void stop() throws Exception {
        if (forked != null) {
            forked.close();
        }
        if (local != null) {
            local.close();
        }
    }

    /**
     * Downing within seconds of a kill. keep-oldest: the master's node, started first, is the oldest and survives
     * the loss of the other side even where that leaves it alone with half of the members.
     */
    private static final String CLUSTER = """
            pekko.cluster {
              downing-provider-class = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"
              split-brain-resolver {
                active-strategy = keep-oldest
                keep-oldest.down-if-alone = off
                stable-after = 3s
              }
              failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
            }
            tributary.run { iterations = 5, checkpoint-every = 1 }
            tributary.rollout.token-budget = 6
            tributary.cluster.min-rollout-workers = 2
            """;

    /**
     * The settings of every node, in-JVM and forked (written as {@code node.conf} for {@link #forked}); returns the
     * in-JVM node's (its port is the seed's).
     */
    private TributarySettings settings(Path dir, int seed, String extra) {
        TributarySettings base = ClusterNodes.settings(dir.resolve("run"), 0, seed);
        String run = CLUSTER + extra + "\ntributary.run.checkpoint-dir = \"" + dir.resolve("checkpoints") + "\"\n";
        forked = new ForkedNodes(dir);
        forked.writeSettings("node", ConfigFactory.parseString(run).withFallback(base.config()));
        return TributarySettings.load(ConfigFactory.parseString(run + "\npekko.remote.artery.canonical.port = " + seed)
                .withFallback(base.config()));
    }

    @Test
    void aTrainerJvmKilledMidRun_andStartedAgainByHand_endsWithTheWeightsOfTheRunThatLostNothing(@TempDir Path dir)
            throws Exception {
        // The run that loses nothing, in one JVM: a run is a function of its seed and settings on one machine.
        RunResult whole;
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.settings(dir.resolve("whole"), CLUSTER)))) {
            whole = TinyRuns.await(run);
        }

        int[] ports = Loopback.freePorts(2);
        int seed = ports[0];
        Path conf = dir.resolve("node.conf");
        ProgressLines lines = new ProgressLines();
        local = ClusterNodes.node(settings(dir, seed, "tributary.cluster.recovery-timeout = 2m"),
                Set.of("master", "replay", "reward", "rollout"), lines);
        // The replacement is started with the same command, so on the same port: a new incarnation of the lost
        // member's address, which the master must not take before the lost one is removed from the cluster.
        int trainerPort = ports[1];
        ForkedNodes.Node first = forked.start("trainer-1", "trainer", trainerPort, seed, conf);
        first.whileAlive(lines.when(l -> l.startsWith("iter   3")), Duration.ofMinutes(3));
        first.kill(); // SIGKILL: no leaving, no goodbye
        lines.await(l -> l.contains("waiting up to 120 s for a trainer"), Duration.ofMinutes(3));

        ForkedNodes.Node second = forked.start("trainer-2", "trainer", trainerPort, seed, conf);
        RunResult r = ClusterNodes.result(local, 4, lines::text);
        String log = lines.text();
        assertEquals(new PolicyVersion(5), r.version(), log);
        // Iteration 3's checkpoint if its parts were all written before the kill, else iteration 2's.
        assertTrue(log.matches("(?s).*the run rewinds to the checkpoint after iteration [23]\\b.*"), log);
        assertEquals(0, second.awaitExit(Duration.ofMinutes(1)), "the replacement trainer's node's exit code");
        String secondLog = Files.readString(second.log());
        assertTrue(secondLog.contains("the trainer loads it when the master asks, instead of warming up"), secondLog);
        assertFalse(secondLog.contains("SFT warm-up"), "the replacement repeated the warm-up:\n" + secondLog);

        Checkpoint last = CheckpointStore.at(dir.resolve("checkpoints"), 3).load(5);
        assertEquals(whole.weights().checksum(), last.weights().checksum(), "weights after the run differ");
        assertEquals(whole.metrics().stream().map(IterationMetrics::meanReward).toList(),
                r.metrics().stream().map(IterationMetrics::meanReward).toList(),
                "rewards per iteration differ (rows of the abandoned iterations must be rewound):\n" + log);
        assertEquals(whole.finalAccuracy(), r.finalAccuracy());
    }

    @Test
    void aTrainerThatNeverComesBack_endsTheRunWithinTheTimeout_andEveryNodeExitsNonZero(@TempDir Path dir)
            throws Exception {
        int seed = Loopback.freePorts(1)[0];
        Path conf = dir.resolve("node.conf");
        ProgressLines lines = new ProgressLines();
        local = ClusterNodes.node(settings(dir, seed, "tributary.cluster.recovery-timeout = 3s"),
                Set.of("master", "replay", "reward"), lines);
        ForkedNodes.Node trainer = forked.start("trainer", "trainer", 0, seed, conf);
        ForkedNodes.Node rollout = forked.start("rollout", "rollout", 0, seed, conf);
        trainer.whileAlive(lines.when(l -> l.startsWith("iter   2")), Duration.ofMinutes(3));
        trainer.kill(); // SIGKILL
        long killed = System.nanoTime();

        var e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> local.result().toCompletableFuture().get(2, TimeUnit.MINUTES));
        assertTrue(e.getCause().getMessage().contains("is gone in iteration")
                && e.getCause().getMessage().contains("no trainer came back within 3 s"), e.getCause().getMessage());
        int exit = rollout.awaitExit(Duration.ofMinutes(1)); // fails if the rollout node is left running without a run
        double seconds = (System.nanoTime() - killed) / 1e9;
        String rolloutLog = Files.readString(rollout.log());
        assertEquals(1, exit, rolloutLog);
        assertTrue(rolloutLog.contains("the run failed") && rolloutLog.contains("no trainer came back"), rolloutLog);
        // Downing (~6 s here) + the 3 s timeout + telling the nodes: well within a minute.
        assertTrue(seconds < 60, "every node was down " + seconds + " s after the kill");
    }
}
