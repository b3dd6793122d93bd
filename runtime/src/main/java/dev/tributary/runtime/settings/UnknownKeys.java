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
            "device", "eval", "cluster");

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
            for (var e : full.getConfig(path).entrySet()) {
                if (!known.contains(e.getKey())) {
                    throw new SettingsException(path + "." + e.getKey(),
                            e.getValue().render(ConfigRenderOptions.concise()),
                            "no such key; the keys of " + path + " are " + String.join(", ", known));
                }
            }
        }
    }
}
