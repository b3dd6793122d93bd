package dev.tributary.clusterconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.Test;

/**
 * loopback-3node.conf really forms a cluster: three actor systems in this JVM, each configured as its JVM would be
 * (its port and role from the variables), become Up together. Free ports stand in for 25520-25522, so the test
 * cannot collide with a cluster already running on this machine.
 */
final class LoopbackClusterFormationTest {

    private static final List<String> NODE_ROLES = List.of("master", "rollout", "trainer");

    @Test
    void threeNodes_comeUpTogetherWithTheirRoles() throws Exception {
        int[] ports = freePorts(NODE_ROLES.size());
        List<ActorSystem> systems = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // As the README says: the seed on the first port first. A second seed asking before the first has
            // joined itself would retry only after seed-node-timeout.
            systems.add(ActorSystem.create("tributary", node(ports, 0)));
            while (Cluster.get(systems.get(0)).selfMember().status() == MemberStatus.removed()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (int i = 1; i < ports.length; i++) {
                systems.add(ActorSystem.create("tributary", node(ports, i)));
            }
            for (ActorSystem system : systems) {
                while (upRoles(system).size() < NODE_ROLES.size() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(new TreeSet<>(NODE_ROLES), upRoles(system), system + " sees these roles Up");
            }
        } finally {
            systems.forEach(ActorSystem::terminate);
            for (ActorSystem system : systems) {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Node i as its own JVM would load it: the overlay with TRIBUTARY_* set, seeds moved to the free ports. */
    private static Config node(int[] ports, int i) {
        Map<String, Object> variables = Map.of(
                "TRIBUTARY_PORT", ports[i],
                "TRIBUTARY_ROLES", NODE_ROLES.get(i),
                // Three actor systems share this JVM: a stopping node must not exit it.
                "TRIBUTARY_EXIT_JVM", "off",
                "pekko.cluster.seed-nodes", List.of(seed(ports[0]), seed(ports[1])),
                // Three clusters' MBeans would collide in one JVM.
                "pekko.cluster.jmx.enabled", "off",
                "pekko.loglevel", "WARNING");
        return ConfigFactory.parseMap(variables).withFallback(Overlays.parse("loopback-3node.conf"))
                .withFallback(ConfigFactory.defaultReference()).resolve(Overlays.NO_ENV);
    }

    private static String seed(int port) {
        return "pekko://tributary@127.0.0.1:" + port;
    }

    /** The roles of the members this system sees Up, without Pekko's data-center role. */
    private static Set<String> upRoles(ActorSystem system) {
        Set<String> roles = new TreeSet<>();
        Iterable<Member> members = Cluster.get(system).state().getMembers();
        StreamSupport.stream(members.spliterator(), false)
                .filter(m -> m.status() == MemberStatus.up())
                .forEach(m -> m.getRoles().stream().filter(r -> !r.startsWith("dc-")).forEach(roles::add));
        return roles;
    }

    private static int[] freePorts(int n) throws IOException {
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
}
