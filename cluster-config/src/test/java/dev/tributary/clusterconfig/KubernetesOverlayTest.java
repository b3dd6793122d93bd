package dev.tributary.clusterconfig;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.event.NoLogging;
import org.apache.pekko.management.PekkoManagementSettings;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrapSettings;
import org.junit.jupiter.api.Test;

/** kubernetes.conf: Cluster Bootstrap with Kubernetes API discovery, resolved over pekko-management's reference. */
final class KubernetesOverlayTest {

    static final String NAME = "kubernetes.conf";
    private static final String DISCOVERY = "pekko.management.cluster.bootstrap.contact-point-discovery.";

    private final Config config = Overlays.load(NAME);

    /** The label selector discovery sends to the Kubernetes API, as pekko-management formats it. */
    static String effectiveLabelSelector(Config config) {
        return String.format(config.getString("pekko.discovery.kubernetes-api.pod-label-selector"),
                config.getString(DISCOVERY + "service-name"));
    }

    @Test
    void bootstrap_findsContactPointsThroughTheKubernetesApi() {
        String method = config.getString(DISCOVERY + "discovery-method");
        assertEquals("kubernetes-api", method);
        // The method names a discovery section whose implementation is on the classpath.
        String implementation = config.getString("pekko.discovery." + method + ".class");
        assertDoesNotThrow(() -> Class.forName(implementation));
    }

    @Test
    void discoveryKeys_areThoseOfPekkoManagement() {
        Config reference = Overlays.reference();
        for (String key : List.of(DISCOVERY + "discovery-method", DISCOVERY + "service-name",
                DISCOVERY + "port-name", DISCOVERY + "required-contact-point-nr",
                "pekko.discovery.kubernetes-api.pod-label-selector", "pekko.discovery.kubernetes-api.use-raw-ip",
                "pekko.management.http.hostname", "pekko.management.http.port",
                "pekko.management.http.bind-hostname")) {
            assertTrue(reference.hasPath(key), key + " is not a pekko-management 1.1.1 key");
        }
    }

    @Test
    void labelSelector_picksEveryTributaryPod() {
        assertEquals("app=tributary", effectiveLabelSelector(config));
        assertTrue(config.getBoolean("pekko.discovery.kubernetes-api.use-raw-ip"));
        assertEquals("management", config.getString(DISCOVERY + "port-name"));
    }

    @Test
    void bootstrapSettings_acceptTheOverlay() {
        ClusterBootstrapSettings settings = ClusterBootstrapSettings.apply(config, NoLogging.getInstance());
        assertEquals("kubernetes-api", settings.contactPointDiscovery().discoveryMethod());
        assertEquals(3, settings.contactPointDiscovery().requiredContactPointsNr());
        assertEquals("tributary", settings.getContactPointDiscoveryServiceName().orElseThrow());
        assertEquals(8558, new PekkoManagementSettings(config).getHttpPort());
    }

    @Test
    void requiredContactPoints_canBeSetWithoutEditingTheFile() {
        Config node = Overlays.resolve(NAME, Map.of("TRIBUTARY_REQUIRED_CONTACT_POINTS", "6"));
        assertEquals(6, node.getInt(DISCOVERY + "required-contact-point-nr"));
    }

    @Test
    void podIp_isTheAddressOfRemotingAndManagement() {
        Config pod = Overlays.resolve(NAME, Map.of("POD_IP", "10.1.2.3", "TRIBUTARY_ROLES", "reward"));
        assertEquals("10.1.2.3", pod.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals("10.1.2.3", pod.getString("pekko.management.http.hostname"));
        assertEquals("0.0.0.0", pod.getString("pekko.management.http.bind-hostname"));
        assertEquals(List.of("reward"), pod.getStringList("pekko.cluster.roles"));
    }

    @Test
    void withoutPodIp_pekkosOwnAddressDefaultsApply() {
        Config reference = Overlays.reference();
        assertEquals(reference.getString("pekko.remote.artery.canonical.hostname"),
                config.getString("pekko.remote.artery.canonical.hostname"));
        assertEquals(reference.getString("pekko.management.http.hostname"),
                config.getString("pekko.management.http.hostname"));
    }

    @Test
    void theNodeStartsBootstrap_insteadOfJoiningSeedNodes() {
        // tributary node starts pekko-management and Cluster Bootstrap only with this key on, and refuses it
        // together with seed nodes (runtime's ClusterFormation; ClusterBootstrapTest forms a cluster from this file).
        assertTrue(config.getBoolean("tributary.cluster.bootstrap"));
        assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
    }

    @Test
    void clusterIsFormedByBootstrap_withKeepMajority() {
        assertEquals("cluster", config.getString("pekko.actor.provider"));
        assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
        assertEquals(25520, config.getInt("pekko.remote.artery.canonical.port"));
        assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
                config.getString("pekko.cluster.downing-provider-class"));
        assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        assertEquals(Duration.ofSeconds(10), config.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
        assertEquals(Duration.ofSeconds(5),
                config.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
        assertTrue(config.getBoolean("pekko.coordinated-shutdown.exit-jvm"));
        // A pod stopped with SIGTERM leaves the cluster instead of waiting to be downed.
        assertTrue(config.getBoolean("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook"));
    }
}
