package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import dev.tributary.model.task.Tasks;
import java.util.Objects;

/** {@code tributary.task}: which task, and its own settings from {@code tributary.task.<name>}. */
public record TaskSettings(String name, Config config) {
    public TaskSettings {
        Check.name("tributary.task.name", name);
        Objects.requireNonNull(config, "settings of task " + name);
    }

    static TaskSettings read(ConfigReader r) {
        String name = Check.registered("tributary.task.name", r.getString("tributary.task.name"),
                Tasks.registry().names());
        return new TaskSettings(name, r.pluginSettings("tributary.task.", name));
    }
}
