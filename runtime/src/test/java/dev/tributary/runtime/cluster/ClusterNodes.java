package dev.tributary.runtime.cluster;

import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;

/** Nodes of a loopback cluster in this JVM, for tests: settings, free ports, start and stop. */
public final class ClusterNodes {
    private ClusterNodes() {
    }

    public static int freePort() throws IOException {
        return freePorts(1)[0];
    }

    /** {@code n} distinct free ports on the loopback interface (all held open until every one is chosen). */
    public static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    /** Stops every node at once: a node leaving alone waits for the others to acknowledge its exit. */
    public static void stopAll(List<TributaryRun> nodes) throws Exception {
        nodes.stream().map(TributaryRun::system).filter(java.util.Objects::nonNull).forEach(ActorSystem::terminate);
        for (TributaryRun n : nodes) {
            n.close();
        }
    }

    /** Starts a node with {@code roles} and the built-in plug-ins, its progress lines into {@code lines}. */
    public static TributaryRun node(TributarySettings settings, Set<String> roles, List<String> lines) {
        return node(settings, roles, lines, Plugins.builtIn());
    }

    public static TributaryRun node(TributarySettings settings, Set<String> roles, List<String> lines, Plugins plugins) {
        return Tributary.start(RunSpec.of(settings).withRoles(roles).withPlugins(plugins).withProgress(lines::add));
    }

    /** Waits until a node's actor system is up (the roles start after the trainer's warm-up). */
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
    public static dev.tributary.runtime.RunResult result(TributaryRun node, int minutes, List<String> lines)
            throws Exception {
        try {
            return node.result().toCompletableFuture().get(minutes, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
            List<String> seen;
            synchronized (lines) {
                seen = List.copyOf(lines);
            }
            throw new AssertionError("no result within " + minutes + " minutes; progress so far:\n"
                    + String.join("\n", seen), e);
        }
    }
}
