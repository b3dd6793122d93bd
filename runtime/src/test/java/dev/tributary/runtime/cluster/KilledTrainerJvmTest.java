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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's node runs in its own JVM and is killed with SIGKILL in the middle of a run. With a replacement
 * started by hand (the same {@code tributary node --roles trainer} command), the run rewinds to its newest
 * checkpoint and ends with the weights, bit for bit, of a run that lost nothing. With none, the run ends within the
 * recovery timeout and every node exits non-zero.
 */
class KilledTrainerJvmTest {
    private final List<Process> processes = new ArrayList<>();
    private TributaryRun local;

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
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

    private Process trainerJvm(Path config, int seed, Path log) throws Exception {
        return nodeJvm("trainer", 0, config, seed, log);
    }

    private Process nodeJvm(String roles, int port, Path config, int seed, Path log) throws Exception {
        Process p = ClusterNodes.forkNode(roles, port, seed, config, log);
        processes.add(p);
        return p;
    }

    /** The settings of every node, in-JVM and forked; returns the in-JVM node's (its port is the seed's). */
    private static TributarySettings settings(Path dir, int seed, String extra, Path forkedConf) throws Exception {
        TributarySettings base = ClusterNodes.settings(dir.resolve("run"), 0, seed);
        String run = CLUSTER + extra + "\ntributary.run.checkpoint-dir = \"" + dir.resolve("checkpoints") + "\"\n";
        ClusterNodes.writeForkedConfig(forkedConf, ConfigFactory.parseString(run).withFallback(base.config()));
        return TributarySettings.load(ConfigFactory.parseString(run + "\npekko.remote.artery.canonical.port = " + seed)
                .withFallback(base.config()));
    }

    private static void awaitLine(List<String> lines, Predicate<String> p, Process mustLive, Path log)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            synchronized (lines) {
                if (lines.stream().anyMatch(p)) {
                    return;
                }
            }
            if (mustLive != null) {
                assertTrue(mustLive.isAlive(), "the forked node died by itself: " + Files.readString(log));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the awaited line did not come within 3 minutes:\n" + String.join("\n", lines));
    }

    @Test
    void aTrainerJvmKilledMidRun_andStartedAgainByHand_endsWithTheWeightsOfTheRunThatLostNothing(@TempDir Path dir)
            throws Exception {
        // The run that loses nothing, in one JVM: a run is a function of its seed and settings on one machine.
        RunResult whole;
        try (TributaryRun run = Tributary.start(RunSpec.of(TinyRuns.settings(dir.resolve("whole"), CLUSTER)))) {
            whole = TinyRuns.await(run);
        }

        int seed = ClusterNodes.freePort();
        Path conf = dir.resolve("node.conf");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        local = ClusterNodes.node(settings(dir, seed, "tributary.cluster.recovery-timeout = 2m", conf),
                Set.of("master", "replay", "reward", "rollout"), lines);
        // The replacement is started with the same command, so on the same port: a new incarnation of the lost
        // member's address, which the master must not take before the lost one is removed from the cluster.
        int trainerPort = ClusterNodes.freePort();
        Process first = nodeJvm("trainer", trainerPort, conf, seed, dir.resolve("trainer-1.log"));
        awaitLine(lines, l -> l.startsWith("iter   3"), first, dir.resolve("trainer-1.log"));
        first.destroyForcibly(); // SIGKILL: no leaving, no goodbye
        first.waitFor(30, TimeUnit.SECONDS);
        awaitLine(lines, l -> l.contains("waiting up to 120 s for a trainer"), null, null);

        Process second = nodeJvm("trainer", trainerPort, conf, seed, dir.resolve("trainer-2.log"));
        RunResult r = ClusterNodes.result(local, 4, lines);
        String log = String.join("\n", lines);
        assertEquals(new PolicyVersion(5), r.version(), log);
        // Iteration 3's checkpoint if its parts were all written before the kill, else iteration 2's.
        assertTrue(log.matches("(?s).*the run rewinds to the checkpoint after iteration [23]\\b.*"), log);
        assertTrue(second.waitFor(1, TimeUnit.MINUTES), "the replacement trainer's node did not exit");
        assertEquals(0, second.exitValue());
        String secondLog = Files.readString(dir.resolve("trainer-2.log"));
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
        int seed = ClusterNodes.freePort();
        Path conf = dir.resolve("node.conf");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        local = ClusterNodes.node(settings(dir, seed, "tributary.cluster.recovery-timeout = 3s", conf),
                Set.of("master", "replay", "reward"), lines);
        Process trainer = trainerJvm(conf, seed, dir.resolve("trainer.log"));
        Process rollout = nodeJvm("rollout", 0, conf, seed, dir.resolve("rollout.log"));
        awaitLine(lines, l -> l.startsWith("iter   2"), trainer, dir.resolve("trainer.log"));
        trainer.destroyForcibly();
        long killed = System.nanoTime();

        var e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> local.result().toCompletableFuture().get(2, TimeUnit.MINUTES));
        assertTrue(e.getCause().getMessage().contains("is gone in iteration")
                && e.getCause().getMessage().contains("no trainer came back within 3 s"), e.getCause().getMessage());
        assertTrue(rollout.waitFor(1, TimeUnit.MINUTES), "the rollout node was left running without a run");
        double seconds = (System.nanoTime() - killed) / 1e9;
        String rolloutLog = Files.readString(dir.resolve("rollout.log"));
        assertEquals(1, rollout.exitValue(), rolloutLog);
        assertTrue(rolloutLog.contains("the run failed") && rolloutLog.contains("no trainer came back"), rolloutLog);
        // Downing (~6 s here) + the 3 s timeout + telling the nodes: well within a minute.
        assertTrue(seconds < 60, "every node was down " + seconds + " s after the kill");
    }
}
