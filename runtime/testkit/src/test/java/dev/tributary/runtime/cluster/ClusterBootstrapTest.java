package dev.tributary.runtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import dev.tributary.runtime.TributaryRun;
import dev.tributary.runtime.internal.ClusterFormation;
import dev.tributary.runtime.internal.RoleKeys;
import dev.tributary.runtime.settings.TributarySettings;
import dev.tributary.testkit.Loopback;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * cluster-config/kubernetes.conf really forms a cluster through Cluster Bootstrap: three {@code tributary node}s in
 * this JVM, started from that overlay exactly as the CLI layers it, with no seed nodes. Only what a pod gets from
 * Kubernetes is replaced: the pod IP (127.0.0.1), free ports instead of 25520 and 8558 (all pods share one address
 * here), and the {@code config} discovery method listing the three management endpoints in place of the Kubernetes
 * API. Everything else (service name, port name, required contact points, stable margin, the node's
 * {@code tributary.cluster.bootstrap = on}) is the overlay's.
 */
@Tag("slow")
final class ClusterBootstrapTest {

    private static final String OVERLAY = "cluster-config/kubernetes.conf";
    private static final String DISCOVERY = "pekko.management.cluster.bootstrap.contact-point-discovery.";
    private static final int NODES = 3;
    private static final Duration FORMATION_TIMEOUT = Duration.ofSeconds(25);

    @Test
    void threeNodes_formOneClusterThroughBootstrap_withoutSeedNodes() throws Exception {
        int[] ports = Loopback.freePorts(2 * NODES);
        int[] remoting = {ports[0], ports[1], ports[2]};
        int[] management = {ports[3], ports[4], ports[5]};
        List<TributaryRun> nodes = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < NODES; i++) {
                Config config = nodeConfig(remoting[i], management[i], management);
                if (i == 0) {
                    // The overlay's own values, which the test relies on and does not override.
                    assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
                    assertTrue(config.getBoolean(ClusterFormation.BOOTSTRAP));
                    assertEquals(NODES, config.getInt(DISCOVERY + "required-contact-point-nr"));
                    assertEquals(ClusterFormation.Mode.BOOTSTRAP, ClusterFormation.decide(config));
                }
                nodes.add(ClusterNodes.node(TributarySettings.load(config), Set.of(RoleKeys.REPLAY), line -> { }));
            }

            long deadline = System.nanoTime() + FORMATION_TIMEOUT.toNanos();
            for (TributaryRun node : nodes) {
                awaitAllUp(node, deadline);
            }
            System.err.printf("ClusterBootstrapTest: %d nodes Up through bootstrap %.1f s after the first started%n",
                    NODES, (System.nanoTime() - start) / 1e9);

            // One cluster, not three: every node sees the same three members, and the lowest contact point (the
            // lowest management port, as pekko-management's LowestAddressJoinDecider picks) formed it.
            Set<Address> expected = new TreeSet<>(Address.addressOrdering());
            nodes.forEach(n -> expected.add(Cluster.get(system(n)).selfAddress()));
            int lowest = 0;
            for (int i = 1; i < NODES; i++) {
                lowest = management[i] < management[lowest] ? i : lowest;
            }
            Address founder = Cluster.get(system(nodes.get(lowest))).selfAddress();
            for (TributaryRun node : nodes) {
                assertEquals(expected, upMembers(node), system(node).address() + " sees these members Up");
                assertEquals(founder, oldest(node).address(), "the node with the lowest management port formed "
                        + "the cluster, as seen by " + system(node).address());
                assertTrue(Cluster.get(system(node)).selfMember().status() == MemberStatus.up());
            }

            // The endpoints the manifests' probes and the other pods' bootstrap call are served on each node.
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            for (int port : management) {
                for (String path : List.of("/alive", "/ready", "/bootstrap/seed-nodes")) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), path + " on management port " + port + ": " + r.body());
                }
            }
        } finally {
            closeAll(nodes);
        }
        // Closing a node stopped its pekko-management: the ports are free again.
        for (int port : management) {
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, s.getLocalPort());
            }
        }
    }

    /**
     * The node's configuration as {@code tributary node --roles replay --config cluster-config/kubernetes.conf}
     * builds it, with the pod's environment and the discovery method replaced as the class comment says.
     */
    private static Config nodeConfig(int remotingPort, int managementPort, int[] allManagementPorts) {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (int p : allManagementPorts) {
            endpoints.add(Map.of("host", "127.0.0.1", "port", p));
        }
        Map<String, Object> o = new HashMap<>();
        // What the Deployment's env sets: the pod IP becomes the remoting and management hostname.
        o.put("POD_IP", "127.0.0.1");
        o.put("TRIBUTARY_ROLES", RoleKeys.REPLAY);
        // Three "pods" share one address here, so each needs its own ports; bound to loopback only.
        o.put("pekko.remote.artery.canonical.port", remotingPort);
        o.put("pekko.management.http.port", managementPort);
        o.put("pekko.management.http.bind-hostname", "127.0.0.1");
        // The config discovery method stands in for the Kubernetes API: the overlay's service name lists the pods.
        String service = ConfigFactory.parseResources(OVERLAY).getString(DISCOVERY + "service-name");
        o.put(DISCOVERY + "discovery-method", "config");
        o.put("pekko.discovery.config.services." + service + ".endpoints", endpoints);
        // Three nodes share this JVM: a stopping node must not exit it, and their cluster MBeans would collide.
        o.put("pekko.coordinated-shutdown.exit-jvm", "off");
        o.put("pekko.cluster.jmx.enabled", "off");
        Config overlay = ConfigFactory.parseResources(OVERLAY, ConfigParseOptions.defaults().setAllowMissing(false));
        return ConfigFactory.parseMap(o, "test").withFallback(overlay).withFallback(ConfigFactory.defaultReference())
                .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
    }

    private static void awaitAllUp(TributaryRun node, long deadline) {
        ClusterWaits.membersUp(system(node), NODES, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    private static org.apache.pekko.actor.typed.ActorSystem<?> system(TributaryRun node) {
        try {
            return ClusterNodes.systemOf(node);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Set<Address> upMembers(TributaryRun node) {
        Set<Address> up = new TreeSet<>(Address.addressOrdering());
        members(node).stream().filter(m -> m.status() == MemberStatus.up()).forEach(m -> up.add(m.address()));
        return up;
    }

    private static Member oldest(TributaryRun node) {
        return members(node).stream().reduce((a, b) -> a.isOlderThan(b) ? a : b).orElseThrow();
    }

    private static List<Member> members(TributaryRun node) {
        return StreamSupport.stream(Cluster.get(system(node)).state().getMembers().spliterator(), false).toList();
    }

    private static void closeAll(List<TributaryRun> nodes) throws Exception {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (TributaryRun node : nodes) {
            closing.add(CompletableFuture.runAsync(() -> {
                try {
                    node.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get();
    }

}
