package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Refuses keys in the runtime's sections that no reference.conf declares: a misspelt override would otherwise be
 * ignored silently and the run would use the default.
 */
final class UnknownKeys {
    static final List<String> SECTIONS = List.of("run", "model", "sft", "sampler", "rollout", "reward", "replay", "trainer",
            "device", "eval", "cluster", "master", "weights", "reward-model", "long2short");

    private UnknownKeys() {
    }

    static void check(Config full) {
        Config reference = ConfigFactory.defaultReference(UnknownKeys.class.getClassLoader());
        for (String section : SECTIONS) {
            String path = "tributary." + section;
            if (!full.hasPath(path) || !reference.hasPath(path)) {
                continue;
            }
            if (full.getValue(path).valueType() != ConfigValueType.OBJECT) {
                throw new SettingsException(path, full.getValue(path).render(ConfigRenderOptions.concise()),
                        "an object of settings");
            }
            Set<String> known = reference.getConfig(path).entrySet().stream().map(Map.Entry::getKey)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> pluginSubtrees = pluginSubtrees(full, path + ".");
            for (var e : full.getConfig(path).entrySet()) {
                if (!known.contains(e.getKey()) && !pluginSubtrees.contains(e.getKey().split("\\.")[0])) {
                    throw new SettingsException(path + "." + e.getKey(),
                            e.getValue().render(ConfigRenderOptions.concise()),
                            "no such key; the keys of " + path + " are " + String.join(", ", known));
                }
            }
        }
    }

    /** The subtrees under {@code prefix} that belong to the plug-ins the config chooses (their own settings). */
    private static Set<String> pluginSubtrees(Config full, String prefix) {
        Set<String> out = new TreeSet<>();
        for (var e : PluginChoices.PREFIXES.entrySet()) {
            if (e.getValue().equals(prefix) && full.hasPath(e.getKey())) {
                out.add(PluginChoices.subtreeName(full.getValue(e.getKey()).unwrapped().toString()));
            }
        }
        return out;
    }
}
