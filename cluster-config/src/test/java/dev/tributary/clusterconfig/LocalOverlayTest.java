package dev.tributary.clusterconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import org.junit.jupiter.api.Test;

/** local.conf: the embedded single-JVM default. */
final class LocalOverlayTest {

    private final Config config = Overlays.load("local.conf");

    @Test
    void providerIsLocal_soNothingIsSerializedOrListening() {
        assertEquals("local", config.getString("pekko.actor.provider"));
    }

    @Test
    void everyRole_runsOnTheOneNode() {
        assertEquals(Overlays.ROLES.stream().sorted().toList(),
                config.getStringList("pekko.cluster.roles").stream().sorted().toList());
    }

    @Test
    void stoppingTheNode_leavesTheHostJvmRunning() {
        assertFalse(config.getBoolean("pekko.coordinated-shutdown.exit-jvm"));
    }
}
