package dev.tributary.runtime.settings;

/** {@code tributary.task}: which task; its own settings come from {@code tributary.task.<name>} (see PluginChoices). */
public record TaskSettings(String name) {
    public TaskSettings {
        Check.name("tributary.task.name", name);
    }

    static TaskSettings read(ConfigReader r) {
        return new TaskSettings(r.getString("tributary.task.name"));
    }
}
