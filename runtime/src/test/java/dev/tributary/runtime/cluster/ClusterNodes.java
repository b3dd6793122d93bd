package dev.tributary.runtime.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.tributary.runtime.Plugins;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.Tributary;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.job.TinyRuns;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
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

    /**
     * Starts {@code tributary node --roles <roles>} in a JVM of its own, on this JVM's classpath, joining through
     * the seed node on 127.0.0.1 with the settings of {@code config}; its output goes to {@code log}.
     */
    public static Process forkNode(String roles, int port, int seedPort, Path config, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx1g", "-Dorg.bytedeco.javacpp.maxbytes=2G",
                "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), TributaryCliMain.CLASS, "node", "--roles", roles,
                "--port", String.valueOf(port), "--seed-nodes", "127.0.0.1:" + seedPort, "--config",
                config.toString());
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /** Writes the settings file of forked nodes: {@code tributary}'s settings on a loopback cluster. */
    public static void writeForkedConfig(Path file, Config tributary) throws IOException {
        Files.writeString(file, tributary.withOnlyPath("tributary")
                .withFallback(ConfigFactory.parseString("pekko.actor.provider = cluster\n"
                        + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\npekko.cluster.jmx.enabled = off\n"
                        + "pekko.coordinated-shutdown.exit-jvm = off"))
                .withFallback(tributary.withOnlyPath("pekko.cluster"))
                .root().render(ConfigRenderOptions.concise()));
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
