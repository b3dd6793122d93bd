package dev.tributary.runtime.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.cluster.ClusterNodes;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reward-model role on a node of its own (a real cluster of ActorSystems on 127.0.0.1, every message through
 * Kryo): the reward actor's node holds no model and reaches the role across the cluster.
 */
@Tag("slow")
class RewardModelRoleClusterTest {
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static TributarySettings settings(Path out, int port, int seed, String extra) {
        TributarySettings base = ClusterNodes.settings(out, port, seed);
        return TributarySettings.load(ConfigFactory.parseString(extra).withFallback(base.config()));
    }

    @Test
    void aRewardNodeScoresThroughTheRewardModelRoleOnAnotherNode(@TempDir Path dir) throws Exception {
        Path model = LearnedRewardRunTest.savedModel(dir, "arithmetic");
        int seed = Loopback.freePorts(1)[0];
        String learned = """
                tributary.reward.function = learned
                tributary.reward.learned.path = "%s"
                tributary.cluster.min-rollout-workers = 2
                """.formatted(model);
        ProgressLines lines = new ProgressLines();
        ProgressLines modelLines = new ProgressLines();
        // The reward node is given no path: it never reads the model, only the role does.
        String noPath = learned.replace("tributary.reward.learned.path = \"" + model + "\"",
                "tributary.reward.learned.path = \"" + dir.resolve("not-here.bin") + "\"");
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed, learned), Set.of("master", "replay"), lines);
        nodes.add(master);
        nodes.add(ClusterNodes.node(settings(dir, 0, seed, noPath), Set.of("reward"), lines));
        TributaryRun modelNode = ClusterNodes.node(settings(dir, 0, seed, learned), Set.of("reward-model"), modelLines);
        nodes.add(modelNode);
        var modelSystem = ClusterNodes.systemOf(modelNode);
        nodes.add(ClusterNodes.node(settings(dir, 0, seed, learned), Set.of("trainer"), lines));
        nodes.add(ClusterNodes.node(settings(dir, 0, seed, learned), Set.of("rollout"), lines));

        RunResult r = ClusterNodes.result(master, 4, lines::text);
        assertEquals(3, r.metrics().size(), lines.text());
        assertTrue(LearnedRewardRunTest.fractionalRewards(r, 16), "rewards came from the model: "
                + r.metrics().stream().map(m -> m.meanReward()).toList());
        // The master ends the cluster; the role reports as its node stops.
        modelSystem.getWhenTerminated().toCompletableFuture().get(1, java.util.concurrent.TimeUnit.MINUTES);
        long[] served = LearnedRewardRunTest.served(modelLines.snapshot());
        assertTrue(served[0] > 0 && served[1] < served[0], "the role on its own node answered "
                + served[0] + " requests in " + served[1] + " batches");
    }
}
