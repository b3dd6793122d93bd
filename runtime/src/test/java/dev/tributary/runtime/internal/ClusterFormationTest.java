package dev.tributary.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import dev.tributary.runtime.settings.SettingsException;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How a node joins, decided from its configuration, and the errors for contradicting or malformed keys. */
final class ClusterFormationTest {

    private static final List<String> OVERLAYS = List.of("local.conf", "loopback-3node.conf", "kubernetes.conf");

    /** An overlay over every reference.conf, as a node loads it (no environment, so no variable leaks in). */
    private static Config overlay(String name) {
        return ConfigFactory.parseResources("cluster-config/" + name,
                        ConfigParseOptions.defaults().setAllowMissing(false))
                .withFallback(ConfigFactory.defaultReference())
                .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
    }

    private static Config with(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    @Test
    void eachOverlay_joinsTheWayItsTopologyNeeds() {
        assertEquals(ClusterFormation.Mode.ALONE, ClusterFormation.decide(overlay("local.conf")));
        assertEquals(ClusterFormation.Mode.SEED_NODES, ClusterFormation.decide(overlay("loopback-3node.conf")));
        assertEquals(ClusterFormation.Mode.BOOTSTRAP, ClusterFormation.decide(overlay("kubernetes.conf")));
    }

    @Test
    void bootstrap_isOffByDefault() {
        assertEquals(false, ConfigFactory.defaultReference().getBoolean(ClusterFormation.BOOTSTRAP));
        assertEquals(ClusterFormation.Mode.ALONE, ClusterFormation.decide(with("pekko.actor.provider = local")));
        assertEquals(ClusterFormation.Mode.UNCONFIGURED,
                ClusterFormation.decide(with("pekko.actor.provider = cluster")));
    }

    @Test
    void seedNodesAndBootstrap_together_areRefusedNamingBothKeys() {
        SettingsException e = assertThrows(SettingsException.class, () -> ClusterFormation.decide(with("""
                pekko.actor.provider = cluster
                pekko.cluster.seed-nodes = ["pekko://tributary@10.0.0.5:25520"]
                tributary.cluster.bootstrap = on
                """)));
        assertEquals(ClusterFormation.BOOTSTRAP, e.path());
        assertTrue(e.getMessage().contains("pekko.cluster.seed-nodes"), e.getMessage());
        assertTrue(e.getMessage().contains("10.0.0.5:25520"), e.getMessage());
    }

    @Test
    void bootstrap_withoutTheClusterProvider_isRefused() {
        SettingsException e = assertThrows(SettingsException.class, () -> ClusterFormation.decide(
                with("pekko.actor.provider = local\ntributary.cluster.bootstrap = on")));
        assertTrue(e.getMessage().startsWith("tributary.cluster.bootstrap = on: expected off, or "
                + "pekko.actor.provider = cluster (found \"local\")"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"maybe", "2", "[on]"})
    void aBadBootstrapValue_namesKeyValueAndExpectation(String value) {
        SettingsException e = assertThrows(SettingsException.class, () -> ClusterFormation.decide(
                with("pekko.actor.provider = cluster\ntributary.cluster.bootstrap = " + value)));
        assertEquals(ClusterFormation.BOOTSTRAP, e.path());
        assertTrue(e.getMessage().matches("tributary\\.cluster\\.bootstrap = \\S+: expected on or off"),
                e.getMessage());
    }

    @Test
    void seedNodesThatAreNotAList_areRefused() {
        SettingsException e = assertThrows(SettingsException.class, () -> ClusterFormation.decide(
                with("pekko.actor.provider = cluster\npekko.cluster.seed-nodes = \"10.0.0.5:25520\"")));
        assertEquals("pekko.cluster.seed-nodes", e.path());
        assertTrue(e.getMessage().contains("expected a list of node addresses"), e.getMessage());
    }

    @Test
    void aNodeThatCannotForm_isTerminatedBeforeTheErrorIsThrown() throws Exception {
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "formation",
                with("pekko.actor.provider = local\ntributary.cluster.bootstrap = on"));
        assertThrows(SettingsException.class, () -> ClusterFormation.start(system));
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aMisspeltTributaryKey_failsWhenTheSettingsAreLoaded() {
        SettingsException e = assertThrows(SettingsException.class, () -> TributarySettings.load(
                ConfigFactory.parseString("tributary.cluster.bootsrap = on")));
        assertEquals("tributary.cluster.bootsrap", e.path());
    }

    /**
     * cluster-config cannot see this module's reference.conf, so the Tributary keys its overlays set are checked
     * here: each one exists, with a value of the kind the default has.
     */
    @Test
    void everyTributaryKeyOfEveryOverlay_isARuntimeSettingOfTheSameKind() {
        Config reference = ConfigFactory.defaultReference();
        for (String name : OVERLAYS) {
            Config own = ConfigFactory.parseResources("cluster-config/" + name).resolve();
            if (!own.hasPath("tributary")) {
                continue;
            }
            for (Map.Entry<String, ConfigValue> e : own.getConfig("tributary").entrySet()) {
                String path = "tributary." + e.getKey();
                assertTrue(reference.hasPath(path), name + ": " + path + " is not a runtime setting");
                if (isBoolean(reference, path)) {
                    assertTrue(isBoolean(own.withFallback(reference), path), name + ": " + path + " is not on/off");
                } else {
                    assertEquals(reference.getValue(path).valueType(), e.getValue().valueType(), name + ": " + path);
                }
            }
            // And the settings load with the overlay in place.
            TributarySettings.load(overlay(name));
        }
    }

    private static boolean isBoolean(Config config, String path) {
        try {
            config.getBoolean(path);
            return true;
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            return false;
        }
    }
}
