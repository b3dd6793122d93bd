package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.tributary.model.PolicyVersion;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.metrics.SamplePictures;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import dev.tributary.testkit.ProgressLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vision task over three nodes of a real loopback cluster (one JVM, three ActorSystems over Artery): the master
 * with the replay buffer and the reward actor, a rollout node and the trainer's node. Image prompts go out in
 * rollout jobs, come back in segments and reach the trainer in batches, every hop through the Kryo serializer; the
 * run learns exactly as the same settings do in one JVM, where nothing is serialized.
 */
@Tag("slow")
class VisionClusterRunTest {
    private static final String VISION = """
            tributary {
              task.name = digits
              sampler.difficulty { start = 1, end = 1 }
              eval { difficulty = 1, prompts = 20 }
              cluster.min-rollout-workers = 2
            }
            """;
    private final List<TributaryRun> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        ClusterNodes.stopAll(nodes);
    }

    private static TributarySettings settings(Path dir, int port, int seed) {
        return TributarySettings.load(ConfigFactory.parseString(VISION)
                .withFallback(ClusterNodes.settings(dir, port, seed).config()));
    }

    @Test
    void imagePrompts_acrossThreeNodes_learnLikeTheSingleJvmRun(@TempDir Path dir, @TempDir Path embeddedDir)
            throws Exception {
        int seed = Loopback.freePorts(1)[0];
        ProgressLines lines = new ProgressLines();
        TributaryRun master = ClusterNodes.node(settings(dir, seed, seed), Set.of("master", "replay", "reward"), lines);
        nodes.add(master);
        TributaryRun trainer = ClusterNodes.node(settings(dir, 0, seed), Set.of("trainer"), lines);
        nodes.add(trainer);
        TributaryRun rollout = ClusterNodes.node(settings(dir, 0, seed), Set.of("rollout"), lines);
        nodes.add(rollout);

        RunResult f = ClusterNodes.result(master, 4, lines::text);
        assertEquals(new PolicyVersion(3), f.version());
        assertEquals(3, f.metrics().size(), lines.text());
        assertTrue(f.metrics().stream().mapToInt(IterationMetrics::trainedSamples).sum() > 0, "it trained");
        assertArrayEquals(trainer.weights().values(), rollout.weights().values(),
                "the rollout node's weights (vision front end included) differ from the trainer's");
        assertTrue(trainer.weights().layout().entries().stream().anyMatch(e -> e.name().equals("vis.pos")));

        // The master's node drew a few held-out prompts for a person to look at.
        Path samples = dir.resolve(SamplePictures.DIR);
        assertTrue(Files.isRegularFile(samples.resolve("prompt-1.png")), "no sample pictures in " + dir);
        assertEquals(256, ImageIO.read(samples.resolve("prompt-1.png").toFile()).getWidth());
        assertTrue(Files.readString(samples.resolve("prompts.txt")).contains("answer"));

        Config local = ConfigFactory.parseString("pekko.actor.provider = local, pekko.cluster.seed-nodes = [], "
                + "tributary.cluster.min-rollout-workers = 1").withFallback(settings(embeddedDir, 0, seed).config());
        try (var embedded = Tributary.start(RunSpec.of(TributarySettings.load(local)))) {
            embedded.result().toCompletableFuture().get(3, TimeUnit.MINUTES);
            List<IterationMetrics> single = embedded.metrics();
            assertEquals(3, single.size());
            for (int i = 0; i < 3; i++) {
                IterationMetrics c = master.metrics().get(i);
                IterationMetrics e = single.get(i);
                assertEquals(e.meanReward(), c.meanReward(), "mean reward of iteration " + (i + 1));
                assertEquals(e.heldOutAccuracy(), c.heldOutAccuracy(), "held-out accuracy of iteration " + (i + 1));
                assertEquals(e.meanResponseLength(), c.meanResponseLength(), "mean length of iteration " + (i + 1));
                assertEquals(e.trainedSamples(), c.trainedSamples(), "trained samples of iteration " + (i + 1));
            }
            assertArrayEquals(embedded.weights().values(), trainer.weights().values(),
                    "the embedded run ended with other weights");
        }
    }
}
