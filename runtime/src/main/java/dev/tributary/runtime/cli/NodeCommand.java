package dev.tributary.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.tributary.actors.master.Master;
import dev.tributary.runtime.RunResult;
import dev.tributary.runtime.cluster.TributaryNode;
import dev.tributary.runtime.metrics.IterationMetrics;
import dev.tributary.runtime.metrics.RunFiles;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tributary node}: one node of a cluster, running the given roles, joining through the seed nodes. */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Starts a cluster node running some of the roles (master, rollout, reward, replay, trainer). "
                + "Every node of a run gets the same settings; the node running the master prints the run's "
                + "progress, writes its metrics, curves and settings to tributary.run.out-dir as train does (no "
                + "checkpoints yet), and ends the cluster when the run is over.",
        footer = {"", "Settings are layered: these options > --set > --config overlay > application.conf > "
                + "reference.conf.",
            "--config takes a file, or a classpath resource such as cluster-config/loopback-3node.conf.",
            "Exit codes: 0 done, 1 the node or the run failed, 2 bad options or settings."})
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--roles", required = true, split = ",", paramLabel = "<role>",
            description = "Roles of this node, comma-separated: master, rollout, reward, replay, trainer.")
    List<String> roles;

    @Option(names = "--config", paramLabel = "<file-or-resource>",
            description = "Topology overlay, e.g. cluster-config/loopback-3node.conf.")
    String config;

    @Option(names = "--port", paramLabel = "<n>", description = "Remoting port of this node (0: any free one).")
    Integer port;

    @Option(names = "--seed-nodes", split = ",", paramLabel = "<host:port>",
            description = "Seed nodes to join through, comma-separated host:port pairs.")
    List<String> seedNodes;

    @Option(names = "--set", paramLabel = "<key=value>", description = "Any setting; repeatable.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        TributaryNode node;
        try {
            node = TributaryNode.start(TributarySettings.load(layered()), new LinkedHashSet<>(roles), line -> {
                out.println(line);
                out.flush();
            });
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("tributary node: " + e.getMessage().replaceAll("\\s*\\R\\s*", " "));
            return TributaryCli.BAD_SETTINGS;
        }
        out.println("node " + node.system().address() + " up with roles " + String.join(",", node.roles()));
        out.flush();
        if (node.roles().contains("master")) {
            try {
                Master.Finished f = node.finished().get();
                out.print(summary(node, f, Duration.ofNanos(System.nanoTime() - start)));
                out.flush();
                node.endCluster();
            } catch (java.util.concurrent.ExecutionException e) {
                err.println("tributary node: the run failed: " + e.getCause());
                node.close();
                return 1;
            }
        }
        node.system().getWhenTerminated().toCompletableFuture().get();
        return 0;
    }

    /** The closing lines of {@code tributary train}, for the run this node's master drove. */
    static String summary(TributaryNode node, Master.Finished f, Duration elapsed) {
        List<IterationMetrics> history = node.metrics();
        int last = history.isEmpty() ? 0 : history.get(history.size() - 1).iteration();
        // The final weights stay on the trainer's node; the summary does not show them.
        return TributaryCli.summary(new RunResult(node.outDir(), node.sftAccuracy(), RunFiles.finalAccuracy(history),
                1, last, f.version(), history, null, elapsed));
    }

    /** Options > --set > overlay > application.conf > reference.conf; the overlay is a file or a resource. */
    Config layered() {
        Config overlay = ConfigFactory.empty();
        if (config != null) {
            Path file = Path.of(config);
            overlay = Files.isRegularFile(file)
                    ? ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
                    : ConfigFactory.parseResources(config, ConfigParseOptions.defaults().setAllowMissing(false));
        }
        Map<String, Object> o = new LinkedHashMap<>(sets);
        o.put("pekko.cluster.roles", List.copyOf(roles));
        if (port != null) {
            o.put("pekko.remote.artery.canonical.port", port);
        }
        if (seedNodes != null) {
            List<String> seeds = new ArrayList<>();
            for (String s : seedNodes) {
                if (!s.matches("[^:/@]+:\\d{1,5}")) {
                    throw new IllegalArgumentException("--seed-nodes " + s + ": expected host:port, e.g. 127.0.0.1:25520");
                }
                seeds.add("pekko://tributary@" + s);
            }
            o.put("pekko.cluster.seed-nodes", seeds);
        }
        return ConfigFactory.parseMap(o, "command-line options").withFallback(ConfigFactory.defaultOverrides())
                .withFallback(overlay).withFallback(ConfigFactory.defaultApplication())
                .withFallback(ConfigFactory.defaultReference()).resolve();
    }
}
