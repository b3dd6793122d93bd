package dev.tributary.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import dev.tributary.runtime.RunSpec;
import dev.tributary.runtime.settings.TributarySettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        description = "Starts a cluster node running some of the roles (master, rollout, reward, replay, trainer, and "
                + "reward-model, which serves a learned reward model). "
                + "Every node of a run gets the same settings; the node running the master prints the run's "
                + "progress, writes its metrics, curves and settings to tributary.run.out-dir as train does "
                + "(checkpoints when it also runs the trainer and replay roles), and ends the cluster when the run "
                + "is over.",
        footer = {"", "Settings are layered: these options > --set > --config overlay > application.conf > "
                + "reference.conf.",
            "--config takes a file, or a classpath resource such as cluster-config/loopback-3node.conf.",
            "Exit codes: 0 done, 1 the node or the run failed, 2 bad options or settings."})
final class NodeCommand implements Callable<Integer> {
    @Option(names = "--roles", required = true, split = ",", paramLabel = "<role>",
            description = "Roles of this node, comma-separated: master, rollout, reward, replay, trainer, "
                    + "reward-model.")
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
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TributarySettings settings;
        try {
            settings = TributarySettings.load(layered());
        } catch (IllegalArgumentException | ConfigException e) {
            err.println("tributary node: " + RunCommand.oneLine(e.getMessage()));
            return TributaryCli.BAD_SETTINGS;
        }
        out.println("node with roles " + String.join(",", roles) + " starting");
        return RunCommand.run("node", RunSpec.of(settings).withRoles(new LinkedHashSet<>(roles))
                .withProgress(line -> {
                    out.println(line);
                    out.flush();
                }), out, err);
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
