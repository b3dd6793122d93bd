package dev.tributary.clusterconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterSettings;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/** loopback-3node.conf: three node JVMs on 127.0.0.1. */
final class LoopbackOverlayTest {

    private static final String NAME = "loopback-3node.conf";

    private final Config config = Overlays.load(NAME);

    @Test
    void nodesFormACluster_overArteryTcpOnLoopback() {
        assertEquals("cluster", config.getString("pekko.actor.provider"));
        assertEquals("tcp", config.getString("pekko.remote.artery.transport"));
        assertEquals("127.0.0.1", config.getString("pekko.remote.artery.canonical.hostname"));
        assertFalse(config.getBoolean("pekko.actor.allow-java-serialization"));
    }

    @Test
    void withoutVariables_theNodeIsTheSeedOn25520WithNoRole() {
        Config plain = Overlays.resolve(NAME);
        assertEquals(25520, plain.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of(), plain.getStringList("pekko.cluster.roles"));
        assertEquals(3, plain.getInt("pekko.cluster.min-nr-of-members"));
        assertTrue(plain.getBoolean("pekko.coordinated-shutdown.exit-jvm"));
    }

    @Test
    void systemProperties_setPortAndRole() {
        Map<String, String> props = Map.of("TRIBUTARY_PORT", "25522", "TRIBUTARY_ROLES", "rollout");
        props.forEach(System::setProperty);
        try {
            Config node = Overlays.load(NAME);
            assertEquals(25522, node.getInt("pekko.remote.artery.canonical.port"));
            assertEquals(List.of("rollout"), node.getStringList("pekko.cluster.roles"));
        } finally {
            props.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    void variables_setPortRoleMembersAndExit() {
        Config node = Overlays.resolve(NAME, Map.of("TRIBUTARY_PORT", "25521", "TRIBUTARY_ROLES", "trainer",
                "TRIBUTARY_MIN_MEMBERS", "2", "TRIBUTARY_EXIT_JVM", "off"));
        assertEquals(25521, node.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(List.of("trainer"), node.getStringList("pekko.cluster.roles"));
        assertEquals(2, node.getInt("pekko.cluster.min-nr-of-members"));
        assertFalse(node.getBoolean("pekko.coordinated-shutdown.exit-jvm"));
    }

    @Test
    void seedNodes_areTheFirstTwoLoopbackPortsOfTheTributarySystem() {
        ClusterSettings settings = new ClusterSettings(config, "tributary");
        List<Address> seeds = CollectionConverters.asJava(settings.SeedNodes());
        assertEquals(List.of("pekko://tributary@127.0.0.1:25520", "pekko://tributary@127.0.0.1:25521"),
                seeds.stream().map(Address::toString).toList());
    }

    @Test
    void splitBrainResolver_keepsTheMajority() {
        assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
                config.getString("pekko.cluster.downing-provider-class"));
        assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        assertEquals(Duration.ofSeconds(5), config.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    }

    @Test
    void killedNode_isDownedWithinAboutTenSeconds() {
        // Silence until suspected (interval + pause, phi adds about 0.5 s) plus the resolver's stable-after.
        Duration interval = config.getDuration("pekko.cluster.failure-detector.heartbeat-interval");
        Duration pause = config.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause");
        Duration stable = config.getDuration("pekko.cluster.split-brain-resolver.stable-after");
        assertEquals(Duration.ofSeconds(1), interval);
        assertEquals(Duration.ofSeconds(3), pause);
        assertEquals(8.0, config.getDouble("pekko.cluster.failure-detector.threshold"));
        assertEquals(Duration.ofSeconds(9), interval.plus(pause).plus(stable));
    }

    @Test
    void frameSize_staysAtArterysDefaultAboveTheWeightChunks() {
        long frame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size");
        assertEquals(256 * 1024, frame);
        assertEquals(Overlays.reference().getBytes("pekko.remote.artery.advanced.maximum-frame-size"), frame);
        assertTrue(frame > 128 * 1024, "a weight chunk of 128 KiB plus its header must fit in one frame");
    }
}
