package dev.tributary.runtime;

import com.typesafe.config.Config;
import dev.tributary.runtime.settings.TributarySettings;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What to start: the settings, the roles this node runs (every role by default: the embedded single-JVM run), the
 * plug-ins, and where progress lines go. Immutable; the {@code with…} methods return a changed copy.
 *
 * <pre>{@code
 * RunSpec embedded = RunSpec.of(ConfigFactory.parseString("tributary.run.iterations = 20"));
 * RunSpec trainerNode = RunSpec.of(TributarySettings.load(clusterConfig)).withRoles(Set.of("trainer"));
 * }</pre>
 *
 * @param roles    of master, rollout, reward, replay, trainer; a node without every role needs
 *                 {@code pekko.actor.provider = cluster} in its settings
 * @param progress receives the SFT and per-iteration progress lines
 */
public record RunSpec(TributarySettings settings, Set<String> roles, Plugins plugins, Consumer<String> progress) {
    /** Every role: an embedded run is the node that has them all. */
    public static final Set<String> ALL_ROLES = Set.of("master", "rollout", "reward", "replay", "trainer");

    public RunSpec {
        Objects.requireNonNull(settings, "settings");
        roles = Set.copyOf(Objects.requireNonNull(roles, "roles"));
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(progress, "progress");
    }

    /** Every role in one JVM, the built-in plug-ins, progress lines dropped. */
    public static RunSpec of(TributarySettings settings) {
        return new RunSpec(settings, ALL_ROLES, Plugins.builtIn(), line -> { });
    }

    /** {@code config} over the reference settings (validated here), every role, the built-in plug-ins. */
    public static RunSpec of(Config config) {
        return of(TributarySettings.load(config));
    }

    public RunSpec withRoles(Set<String> roles) {
        return new RunSpec(settings, roles, plugins, progress);
    }

    public RunSpec withPlugins(Plugins plugins) {
        return new RunSpec(settings, roles, plugins, progress);
    }

    public RunSpec withProgress(Consumer<String> progress) {
        return new RunSpec(settings, roles, plugins, progress);
    }
}
