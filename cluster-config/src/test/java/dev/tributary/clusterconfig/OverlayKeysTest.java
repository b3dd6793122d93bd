package dev.tributary.clusterconfig;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.cluster.ClusterSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks every overlay found on the classpath against the reference.conf of Pekko and pekko-management, so a
 * misspelt key or a value of the wrong kind fails here instead of being ignored silently at start-up.
 */
final class OverlayKeysTest {

    /** Maps whose entries are named by the user, so an entry need not exist in reference.conf. */
    private static final List<String> OPEN_MAPS = List.of(
            "pekko.actor.serializers.",
            "pekko.actor.serialization-bindings.",
            "pekko.actor.serialization-identifiers.",
            "pekko.cluster.role.",
            "pekko.management.http.routes.",
            "pekko.management.health-checks.startup-checks.",
            "pekko.management.health-checks.readiness-checks.",
            "pekko.management.health-checks.liveness-checks.");

    /**
     * Tributary's own keys an overlay may set. This module cannot see the runtime's reference.conf, so the runtime's
     * ClusterFormationTest checks every tributary.* key of every overlay against it; this list keeps a key under
     * any other root (a misspelt "pekko") from passing unchecked.
     */
    static final List<String> TRIBUTARY_KEYS = List.of("tributary.cluster.bootstrap", "tributary.run.checkpoint-dir",
            "tributary.run.out-dir", "tributary.monitor.http");

    static Stream<String> overlays() {
        return Overlays.listFiles(".conf").stream();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void overlay_parsesAndResolves(String name) {
        Config config = assertDoesNotThrow(() -> Overlays.load(name));
        assertTrue(config.hasPath("pekko.actor.provider"), name + " sets no provider");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPekkoKey_existsInReferenceConf(String name) {
        Config reference = Overlays.reference();
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : Overlays.resolve(name).entrySet()) {
            String path = e.getKey();
            if (path.startsWith("pekko.") && OPEN_MAPS.stream().noneMatch(path::startsWith)
                    && !reference.hasPathOrNull(path)) {
                unknown.add(path);
            }
        }
        assertEquals(List.of(), unknown, name + ": keys that no reference.conf on the classpath defines (misspelt?)");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyOtherKey_isAKnownTributaryKey(String name) {
        List<String> unknown = new ArrayList<>();
        for (String path : Overlays.resolve(name).root().withoutKey("pekko").toConfig().entrySet().stream()
                .map(Map.Entry::getKey).sorted().toList()) {
            if (!TRIBUTARY_KEYS.contains(path)) {
                unknown.add(path);
            }
        }
        assertEquals(List.of(), unknown, name + ": keys neither under pekko. nor in " + TRIBUTARY_KEYS);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyPekkoValue_hasTheKindReferenceConfExpects(String name) {
        Config reference = Overlays.reference();
        Config overlay = Overlays.resolve(name);
        for (Map.Entry<String, ConfigValue> e : overlay.entrySet()) {
            String path = e.getKey();
            if (!path.startsWith("pekko.") || !reference.hasPath(path)) {
                continue;
            }
            ConfigValueType expected = reference.getValue(path).valueType();
            try {
                switch (expected) {
                    case NUMBER -> overlay.getDouble(path);
                    case BOOLEAN -> overlay.getBoolean(path);
                    case LIST -> overlay.getList(path);
                    case OBJECT -> overlay.getObject(path);
                    case STRING -> checkLikeReference(reference, overlay, path);
                    default -> { }
                }
            } catch (ConfigException.WrongType | ConfigException.BadValue x) {
                fail(name + ": " + path + " = " + e.getValue().render() + " is not a " + expected + " like "
                        + reference.getValue(path).render() + " (" + x.getMessage() + ")");
            }
        }
    }

    /** A string in reference.conf that is a duration or a size must stay one: "5s", "256 KiB". */
    private static void checkLikeReference(Config reference, Config overlay, String path) {
        if (parses(() -> reference.getDuration(path))) {
            overlay.getDuration(path);
        } else if (parses(() -> reference.getBytes(path))) {
            overlay.getBytes(path);
        } else if (overlay.getValue(path).valueType() != ConfigValueType.STRING) {
            throw new ConfigException.WrongType(overlay.origin(), path + " must be a string");
        }
    }

    private static boolean parses(Runnable read) {
        try {
            read.run();
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyKey_hasACommentSayingWhy(String name) {
        List<String> bare = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> e : Overlays.resolve(name).entrySet()) {
            if (e.getValue().origin().comments().stream().allMatch(String::isBlank)) {
                bare.add(e.getKey());
            }
        }
        assertEquals(List.of(), bare, name + ": keys without a comment above them");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void clusterOverlays_areAcceptedByPekkosClusterSettings(String name) {
        Config config = Overlays.load(name);
        if (!config.getString("pekko.actor.provider").equals("cluster")) {
            return;
        }
        ClusterSettings settings = assertDoesNotThrow(() -> new ClusterSettings(config, "tributary"));
        String downing = settings.DowningProviderClassName();
        assertFalse(downing.isEmpty(), name + ": no downing provider, so a killed node is never downed");
        assertDoesNotThrow(() -> Class.forName(downing), name + ": downing provider " + downing + " not found");
        String strategy = config.getString("pekko.cluster.split-brain-resolver.active-strategy");
        assertTrue(config.hasPath("pekko.cluster.split-brain-resolver." + strategy),
                name + ": " + strategy + " names no split brain resolver strategy");
    }
}
