package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.internal.RunHost;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master node of a cluster started where its run's checkpoints already are (a restarted master pod, a standby
 * started late) joins the run instead of refusing the directory; checkpoints of another run, or of a finished one,
 * are still refused in one line.
 */
class MasterJoiningARunTest {
    private static TributarySettings clusterMaster(Path dir, String extra) {
        return TributarySettings.load(ConfigFactory.parseString(extra + "\ntributary.run { checkpoint-every = 1, "
                + "checkpoint-dir = \"" + dir.resolve("checkpoints") + "\" }").withFallback(ClusterNodes.settings(
                dir.resolve("master"), 0, 25520).config()));
    }

    @Test
    void aMasterNodeStartedBesideItsRunsCheckpoints_joinsIt_andOneOfAnotherOrAFinishedRunIsRefused(@TempDir Path dir)
            throws Exception {
        // Checkpoints after iterations 1-3 of a run of seed 5.
        TinyRuns.run(dir.resolve("first"), "tributary.run { iterations = 3, checkpoint-every = 1, checkpoint-dir = \""
                + dir.resolve("checkpoints") + "\" }");

        List<String> lines = new ArrayList<>();
        new RunHost(clusterMaster(dir, "tributary.run.iterations = 6"), Set.of("master"), Plugins.builtIn(),
                lines::add);
        assertTrue(lines.stream().anyMatch(l -> l.contains("holds this run's checkpoints (the newest after iteration "
                + "3): this master node joins the run in progress")), lines.toString());

        var other = assertThrows(SettingsException.class, () -> new RunHost(clusterMaster(dir,
                "tributary.run { iterations = 6, seed = 6 }"), Set.of("master"), Plugins.builtIn(), l -> { }));
        assertTrue(other.getMessage().startsWith("tributary.run.seed = 6: expected the seed of the run whose "
                + "checkpoints are in"), other.getMessage());

        var finished = assertThrows(SettingsException.class, () -> new RunHost(clusterMaster(dir,
                "tributary.run.iterations = 3"), Set.of("master"), Plugins.builtIn(), l -> { }));
        assertTrue(finished.getMessage().contains("a directory without checkpoints for a fresh run"),
                finished.getMessage());
    }
}
