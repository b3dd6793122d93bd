package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.actors.master.IterationReport;
import dev.tributary.actors.master.Master;
import dev.tributary.actors.trainer.Trainer;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rollout node leaves the cluster while the run is going: work pulling re-sends its unconfirmed batches to the
 * other workers, the replay buffer drops what the lost node had already delivered, the run completes, and the
 * trainer sees every trajectory exactly once.
 */
class LostRolloutNodeTest {
    private final List<TributaryNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterRunTest.stopAll(nodes);
    }

    private static TributarySettings settings(Path out, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString("tributary.run.iterations = 6\n"
                + "tributary.rollout.token-budget = 6").withFallback(ClusterRunTest.settings(out, port, seed).config()));
    }

    @Test
    void aRolloutNodeLostMidRun_itsJobsAreRerunElsewhere_andEveryTrajectoryIsTrainedOnce(@TempDir Path dir)
            throws Exception {
        int seed = ClusterRunTest.freePort();
        List<String> trained = Collections.synchronizedList(new ArrayList<>());
        UnaryOperator<Behavior<Trainer.Command>> spy = TrainerSpy.recordingTrainedIds(trained);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        TributaryNode master = TributaryNode.start(settings(dir, seed, seed), Set.of("master", "replay", "reward"),
                lines::add);
        nodes.add(master);
        nodes.add(TributaryNode.start(settings(dir, 0, seed), Set.of("trainer"), lines::add, spy));
        nodes.add(TributaryNode.start(settings(dir, 0, seed), Set.of("rollout"), lines::add));
        TributaryNode doomed = TributaryNode.start(settings(dir, 0, seed), Set.of("rollout"), lines::add);

        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (lines.stream().noneMatch(l -> l.startsWith("iter   2")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        // Iteration 3 is rolling out: the node is downed, as the split brain resolver downs an unreachable node, and
        // goes with its share of the jobs unanswered.
        Cluster.get(master.system()).manager().tell(new Down(Cluster.get(doomed.system()).selfMember().address()));
        doomed.close();

        Master.Finished f = master.finished().get(3, TimeUnit.MINUTES);
        assertEquals(new PolicyVersion(6), f.version(), String.join("\n", lines));
        Set<String> unique = new HashSet<>(trained);
        assertEquals(unique.size(), trained.size(), "a trajectory was trained twice: " + trained);
        assertTrue(trained.size() > 0);
        int after = f.reports().stream().filter(r -> r.iteration() > 3).mapToInt(IterationReport::trainedSamples).sum();
        assertTrue(after > 0, "the run went on training with the remaining node");
    }
}
