package dev.tributary.runtime.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import dev.tributary.runtime.settings.SettingsException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/**
 * How a node's actor system becomes a member of its cluster, decided from its configuration:
 * <ul>
 *   <li>{@code pekko.actor.provider} is not {@code cluster}: the node is alone by design; nothing to join.</li>
 *   <li>{@code pekko.cluster.seed-nodes} is not empty: Pekko joins through them by itself; nothing more here.</li>
 *   <li>{@code tributary.cluster.bootstrap = on}: pekko-management's HTTP server and Cluster Bootstrap are started;
 *       bootstrap finds the other nodes with the configured discovery method (Kubernetes API in
 *       {@code cluster-config/kubernetes.conf}) and joins them or forms a new cluster. Management is stopped when
 *       the actor system shuts down.</li>
 * </ul>
 * Both seed nodes and bootstrap is refused; neither (with a cluster provider) logs a warning, since the node then
 * joins only when told to ({@code Cluster.get(system).manager().tell(Join)}).
 */
public final class ClusterFormation {
    /** The runtime's key that turns Cluster Bootstrap on. */
    public static final String BOOTSTRAP = "tributary.cluster.bootstrap";
    static final String PROVIDER = "pekko.actor.provider";
    static final String SEED_NODES = "pekko.cluster.seed-nodes";
    static final String DISCOVERY_METHOD = "pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method";

    /** Longest wait for pekko-management's HTTP server to bind before the node gives up. */
    private static final long BIND_TIMEOUT_SECONDS = 30;

    /** How the node joins. */
    public enum Mode {
        /** Not a cluster node ({@code pekko.actor.provider} is not {@code cluster}). */
        ALONE,
        /** Pekko joins through {@code pekko.cluster.seed-nodes}. */
        SEED_NODES,
        /** pekko-management and Cluster Bootstrap form or join the cluster. */
        BOOTSTRAP,
        /** A cluster node with no way to join configured: it waits for an explicit join. */
        UNCONFIGURED
    }

    private ClusterFormation() {
    }

    /**
     * Decides how a node with {@code config} joins. Throws a {@link SettingsException} naming the key, the value
     * and what was expected when a value is malformed or the keys contradict each other.
     */
    public static Mode decide(Config config) {
        boolean bootstrap = bootstrapOn(config);
        if (!isClusterProvider(config)) {
            if (bootstrap) {
                throw new SettingsException(BOOTSTRAP, "on",
                        "off, or " + PROVIDER + " = cluster (found " + render(config, PROVIDER) + "): Cluster "
                                + "Bootstrap forms a cluster, which needs the cluster provider");
            }
            return Mode.ALONE;
        }
        List<String> seeds = seedNodes(config);
        if (bootstrap && !seeds.isEmpty()) {
            throw new SettingsException(BOOTSTRAP, "on", "off while " + SEED_NODES + " = " + render(config, SEED_NODES)
                    + ": a node joins through seed nodes or through Cluster Bootstrap, not both; keep the seed "
                    + "nodes and set " + BOOTSTRAP + " = off, or let bootstrap find the nodes and set " + SEED_NODES
                    + " = [] (as cluster-config/kubernetes.conf does)");
        }
        if (bootstrap) {
            return Mode.BOOTSTRAP;
        }
        return seeds.isEmpty() ? Mode.UNCONFIGURED : Mode.SEED_NODES;
    }

    /**
     * Makes {@code system}'s node join its cluster as {@link #decide} says: with bootstrap, starts pekko-management
     * (waiting until its HTTP server is bound) and Cluster Bootstrap, and stops management when the system shuts
     * down. If the node cannot start this way, {@code system} is terminated and the error thrown.
     */
    public static Mode start(ActorSystem<?> system) {
        Config config = system.settings().config();
        Mode mode;
        try {
            mode = decide(config);
        } catch (RuntimeException e) {
            system.terminate();
            throw e;
        }
        switch (mode) {
            case UNCONFIGURED -> system.log().warn("{} is empty and {} = off: this node joins no cluster until it "
                            + "is told to join (Cluster.get(system).manager()). Give it seed nodes (--seed-nodes, or {}),"
                            + " or set {} = on with a discovery method (cluster-config/kubernetes.conf)",
                    SEED_NODES, BOOTSTRAP, SEED_NODES, BOOTSTRAP);
            case BOOTSTRAP -> startBootstrap(system);
            default -> { }
        }
        return mode;
    }

    private static void startBootstrap(ActorSystem<?> system) {
        PekkoManagement management = PekkoManagement.get(system);
        // Registered first, so a node that fails below still releases whatever management bound.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                "tributary-stop-pekko-management", () -> management.stop().exceptionally(e -> Done.getInstance()));
        try {
            CompletableFuture<?> bound = management.start().toCompletableFuture();
            system.log().info("pekko-management listening at {}", bound.get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            system.terminate();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("pekko-management could not start its HTTP server on "
                    + render(system.settings().config(), "pekko.management.http.bind-hostname") + " (bind-hostname), "
                    + render(system.settings().config(), "pekko.management.http.hostname") + ":"
                    + render(system.settings().config(), "pekko.management.http.port")
                    + " (pekko.management.http.hostname:port), needed by " + BOOTSTRAP + " = on: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            system.terminate();
            throw new IllegalStateException("interrupted while pekko-management was starting", e);
        }
        try {
            ClusterBootstrap.get(system).start();
        } catch (RuntimeException e) {
            system.terminate();
            throw new IllegalStateException("Cluster Bootstrap could not start with " + DISCOVERY_METHOD + " = "
                    + render(system.settings().config(), DISCOVERY_METHOD) + ": " + e.getMessage(), e);
        }
    }

    private static boolean bootstrapOn(Config config) {
        if (!config.hasPath(BOOTSTRAP)) {
            return false;
        }
        try {
            return config.getBoolean(BOOTSTRAP);
        } catch (ConfigException.WrongType e) {
            throw new SettingsException(BOOTSTRAP, render(config, BOOTSTRAP), "on or off");
        }
    }

    private static boolean isClusterProvider(Config config) {
        if (!config.hasPath(PROVIDER)) {
            return false;
        }
        String provider = config.getString(PROVIDER);
        return provider.equals("cluster") || provider.equals("org.apache.pekko.cluster.ClusterActorRefProvider");
    }

    private static List<String> seedNodes(Config config) {
        if (!config.hasPath(SEED_NODES)) {
            return List.of();
        }
        try {
            return config.getStringList(SEED_NODES);
        } catch (ConfigException.WrongType e) {
            throw new SettingsException(SEED_NODES, render(config, SEED_NODES),
                    "a list of node addresses, e.g. [\"pekko://tributary@10.0.0.5:25520\"], or [] with " + BOOTSTRAP
                            + " = on");
        }
    }

    private static String render(Config config, String path) {
        return config.hasPath(path) ? config.getValue(path).render(ConfigRenderOptions.concise()) : "(not set)";
    }
}
