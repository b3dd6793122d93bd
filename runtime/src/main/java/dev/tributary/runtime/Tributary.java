package dev.tributary.runtime;

import com.typesafe.config.Config;
import dev.tributary.runtime.cluster.TributaryNode;
import dev.tributary.runtime.job.TrainingJob;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The Java API. {@code Tributary.start(config)} validates the settings, builds the run (failing at once, with the
 * key, value and expectation, on bad input) and starts it in the background:
 *
 * <pre>{@code
 * try (TributaryRun run = Tributary.start(ConfigFactory.parseString("tributary.run.iterations = 20"))) {
 *     RunResult r = run.await();
 *     System.out.printf("%.1f%% -> %.1f%%%n", 100 * r.sftAccuracy(), 100 * r.finalAccuracy());
 * }
 * }</pre>
 */
public final class Tributary {
    private Tributary() {
    }

    /** Starts a run with {@code config} over the reference settings; progress lines go nowhere. */
    public static TributaryRun start(Config config) {
        return start(TributarySettings.load(config), line -> { });
    }

    /**
     * Starts one node of a cluster run with {@code roles} (master, rollout, reward, replay, trainer). The settings'
     * Pekko configuration names the cluster (seed nodes, port; see the overlays in {@code cluster-config/}); every
     * node gets the same settings. The node holding the master completes {@link TributaryNode#finished()}.
     */
    public static TributaryNode startNode(TributarySettings settings, Set<String> roles, Consumer<String> progress) {
        return TributaryNode.start(settings, roles, progress);
    }

    /** Starts a run with validated settings, handing each progress line (SFT steps, iterations) to {@code progress}. */
    public static TributaryRun start(TributarySettings settings, Consumer<String> progress) {
        return new TributaryRun(new TrainingJob(settings, progress)).begin();
    }
}
