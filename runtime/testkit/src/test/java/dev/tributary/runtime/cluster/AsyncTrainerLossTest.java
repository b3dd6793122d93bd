package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.trainer.TrainerStep;
import dev.tributary.model.PolicyVersion;
import dev.tributary.model.Trajectory;
import dev.tributary.model.TrajectoryBatch;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.checkpoint.Checkpoint;
import dev.tributary.runtime.internal.checkpoint.CheckpointStore;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous driver loses its trainer's node mid-run (its actor system ends) and a replacement joins: the run
 * rewinds to the newest checkpoint and completes. Along the run that the final weights come from (the first
 * trainer's steps up to the checkpoint, then the replacement's), no trajectory is trained twice, and every
 * trajectory the replay buffer held at the checkpoint is trained or still held at the end. Stale groups are masked,
 * not dropped (dropping one that is too old is the driver's policy, whether or not the run rewound).
 */
@Tag("slow")
class AsyncTrainerLossTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static final String RUN = """
            tributary.master { driver = asynchronous, asynchronous { max-staleness = 2, on-stale = mask } }
            tributary.replay.max-segment-age = 2
            tributary.run { iterations = 8, checkpoint-every = 1, keep-checkpoints = 20 }
            tributary.replay.capacity = 512
            tributary.cluster { min-rollout-workers = 2, recovery-timeout = 1m }
            """ + TinyRuns.RECORDING_STEP + "\n";

    private static TributarySettings settings(Path dir, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(RUN + "tributary.run.checkpoint-dir = \""
                + dir.resolve("checkpoints") + "\"").withFallback(ClusterNodes.settings(dir.resolve("run"), port, seed)
                .config()));
    }

    /**
     * The recording trainer step, which after {@code steps} steps completes {@code holding} and waits for {@code
     * release} before the next: the test decides when the trainer goes away, not the speed of the machine.
     */
    private static Plugins holdingAfter(int steps, List<TrajectoryBatch> batches, CompletableFuture<Void> holding,
            CountDownLatch release) {
        return Plugins.builtIn().register(Plugins.TRAINER_STEP, "recording", (settings, ctx) -> {
            TrainerStep minibatch = TrainerStep.registry().create("minibatch", ConfigFactory.empty(), ctx);
            return (batch, version) -> {
                if (batches.size() == steps) {
                    holding.complete(null);
                    try {
                        release.await(2, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                batches.add(batch);
                return minibatch.train(batch, version);
            };
        });
    }

    @Test
    void aLostTrainer_isReplaced_andNothingIsTrainedTwiceOrLost(@TempDir Path dir) throws Exception {
        int seed = Loopback.freePorts(1)[0];
        ProgressLines lines = new ProgressLines();
        // Every node knows the recording trainer step by name; only the trainers' records are read.
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed), Set.of("master", "replay", "reward",
                "rollout"), lines, TinyRuns.recordingBatches(new ArrayList<>()));
        nodes.add(master);
        List<TrajectoryBatch> before = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> holding = new CompletableFuture<>();
        CountDownLatch release = new CountDownLatch(1);
        TributaryRun first = ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines,
                holdingAfter(3, before, holding, release));
        nodes.add(first);
        // The first trainer holds its fourth step until its node is gone, so the loss falls in the middle of the run.
        holding.get(3, TimeUnit.MINUTES);
        ClusterNodes.systemOf(first).terminate(); // the trainer's node leaves the cluster and goes away
        lines.awaitContaining("waiting up to 60 s for a trainer", Duration.ofMinutes(3));
        release.countDown();

        List<TrajectoryBatch> after = new CopyOnWriteArrayList<>();
        nodes.add(ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines,
                TinyRuns.recordingBatches(after)));
        RunResult r = ClusterNodes.result(master, 3, lines::text);
        String log = lines.text();
        assertEquals(new PolicyVersion(8), r.version(), log);
        Matcher m = Pattern.compile("the run rewinds to the checkpoint after iteration (\\d+)").matcher(log);
        assertTrue(m.find(), log);
        Checkpoint c = CheckpointStore.at(dir.resolve("checkpoints"), 9).load(Integer.parseInt(m.group(1)));

        // The final weights' lineage: the first trainer's steps up to the checkpoint's version, then the new one's.
        List<String> lineage = new ArrayList<>();
        before.stream().filter(b -> b.version().compareTo(c.weights().version()) < 0)
                .forEach(b -> b.trajectories().forEach(t -> lineage.add(t.id())));
        after.forEach(b -> b.trajectories().forEach(t -> lineage.add(t.id())));
        assertEquals(new HashSet<>(lineage).size(), lineage.size(), "a trajectory was trained twice: " + lineage);
        assertEquals(c.weights().version().number() + 0L, before.stream().filter(b -> b.version().compareTo(
                c.weights().version()) < 0).count(), "one trained batch per version up to the checkpoint");

        Set<String> heldAtTheEnd = new HashSet<>();
        CheckpointStore.at(dir.resolve("checkpoints"), 9).load(8).replay().forEach(t -> heldAtTheEnd.add(t.id()));
        for (Trajectory t : c.replay()) {
            assertTrue(lineage.contains(t.id()) || heldAtTheEnd.contains(t.id()),
                    "trajectory " + t.id() + " was in the replay buffer at the checkpoint and is lost");
        }
        assertTrue(!c.replay().isEmpty(), "the checkpoint held trajectories to check");
    }
}
