package dev.tributary.runtime.cluster;

import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Nodes of a loopback cluster in this JVM, for tests: the tiny run's settings as a cluster node, start and stop.
 * Shared through the runtime's test-jar with the cluster tests in runtime/testkit, which take free ports from the
 * kit's {@code Loopback.freePorts} and fork node JVMs with its {@code ForkedNodes} (this module cannot depend on
 * the kit, which depends on it).
 */
public final class ClusterNodes {
    private ClusterNodes() {
    }

    /** Stops every node at once: a node leaving alone waits for the others to acknowledge its exit. */
    public static void stopAll(List<TributaryRun> nodes) throws Exception {
        nodes.stream().map(TributaryRun::system).filter(Objects::nonNull).forEach(ActorSystem::terminate);
        for (TributaryRun n : nodes) {
            n.close();
        }
    }

    /** Starts a node with {@code roles} and the built-in plug-ins, its progress lines into {@code lines}. */
    public static TributaryRun node(TributarySettings settings, Set<String> roles, Consumer<String> lines) {
        return node(settings, roles, lines, Plugins.builtIn());
    }

    public static TributaryRun node(TributarySettings settings, Set<String> roles, Consumer<String> lines,
            Plugins plugins) {
        return Tributary.start(RunSpec.of(settings).withRoles(roles).withPlugins(plugins).withProgress(lines));
    }

    /**
     * Waits until a node's actor system is up (the roles start after the trainer's warm-up). The run offers no
     * signal for it, so this looks every 50 ms.
     */
    public static ActorSystem<?> systemOf(TributaryRun node) throws InterruptedException {
        for (int i = 0; i < 1200 && node.system() == null; i++) {
            Thread.sleep(50);
        }
        if (node.system() == null) {
            throw new AssertionError("node " + node.roles() + " did not start its actor system within a minute");
        }
        return node.system();
    }

    /** The tiny run of the embedded tests ({@link TinyRuns}), as a node of a loopback cluster. */
    public static TributarySettings settings(Path out, int port, int seedPort) {
        return TinyRuns.settings(out, """
                pekko {
                  actor.provider = cluster
                  remote.artery.canonical { hostname = "127.0.0.1", port = %d }
                  cluster {
                    seed-nodes = ["pekko://tributary@127.0.0.1:%d"]
                    jmx.enabled = off
                  }
                  coordinated-shutdown.exit-jvm = off
                }
                tributary.cluster.min-rollout-workers = 4
                tributary.run.checkpoint-every = 0
                """.formatted(port, seedPort));
    }

    /** The run's result within {@code minutes}; on a timeout, fails with the progress lines seen so far. */
    public static RunResult result(TributaryRun node, int minutes, Supplier<String> progress) throws Exception {
        try {
            return node.result().toCompletableFuture().get(minutes, TimeUnit.MINUTES);
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + minutes + " minutes; progress so far:\n" + progress.get(),
                    e);
        }
    }
}
