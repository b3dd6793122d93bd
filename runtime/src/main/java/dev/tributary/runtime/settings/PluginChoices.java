package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Which implementation every plug-in role uses, and its own settings. A plug-in chosen by {@code <key>} with
 * name {@code n} reads its settings from the subtree {@code <prefix>n}; a plug-in given as a class name
 * {@code com.example.MyStore} reads them from {@code <prefix>MyStore}.
 *
 * @param choices per plug-in key (e.g. {@code tributary.replay.store}), the chosen name and its settings
 */
public record PluginChoices(Map<String, Choice> choices) {
    /** Every plug-in key, with the prefix of its settings subtrees. */
    static final Map<String, String> PREFIXES = prefixes();

    /** One plug-in role's choice. */
    public record Choice(String name, Config settings) {
        public Choice {
            Objects.requireNonNull(name, "plug-in name");
            Objects.requireNonNull(settings, "plug-in settings");
        }
    }

    public PluginChoices {
        choices = Map.copyOf(choices);
    }

    private static Map<String, String> prefixes() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("tributary.master.driver", "tributary.master.");
        p.put("tributary.task.name", "tributary.task.");
        p.put("tributary.trainer.loss", "tributary.algo.");
        p.put("tributary.trainer.step", "tributary.trainer.");
        p.put("tributary.algo.correction.name", "tributary.algo.correction.");
        p.put("tributary.sampler.name", "tributary.sampler.");
        p.put("tributary.reward.function", "tributary.reward.");
        p.put("tributary.reward.shaping", "tributary.reward.");
        p.put("tributary.replay.store", "tributary.replay.");
        p.put("tributary.rollout.behavior", "tributary.rollout.");
        p.put("tributary.weights.sync", "tributary.weights.");
        return Map.copyOf(p);
    }

    /** The choice made by {@code key}; fails naming the key when it is not a plug-in key. */
    public Choice get(String key) {
        Choice c = choices.get(key);
        if (c == null) {
            throw new IllegalArgumentException(key + " is not a plug-in setting; the plug-in settings are "
                    + String.join(", ", new java.util.TreeSet<>(PREFIXES.keySet())));
        }
        return c;
    }

    /**
     * The key under which a plug-in named {@code name} keeps its settings: the name, or a class's simple name (a
     * nested class's own name, without its outer class).
     */
    static String subtreeName(String name) {
        return name.contains(".") ? name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1) : name;
    }

    static PluginChoices read(ConfigReader r) {
        Map<String, Choice> choices = new LinkedHashMap<>();
        for (var e : PREFIXES.entrySet()) {
            String name = Check.name(e.getKey(), r.getString(e.getKey()));
            Config own = r.subtreeOrEmpty(e.getValue() + subtreeName(name));
            if (e.getKey().equals("tributary.sampler.name")) {
                // The built-in curriculum reads its schedule from the sampler's difficulty block.
                own = own.withFallback(r.subtreeOrEmpty("tributary.sampler.difficulty"));
            }
            choices.put(e.getKey(), new Choice(name, own));
        }
        return new PluginChoices(choices);
    }
}
