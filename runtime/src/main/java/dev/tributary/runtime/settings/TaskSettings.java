package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
        // A class name's dots would be read as a path; such tasks read their own settings.
        return new TaskSettings(name, name.contains(".") ? ConfigFactory.empty() : r.subtreeOrEmpty("tributary.task." + name));
    }
}
