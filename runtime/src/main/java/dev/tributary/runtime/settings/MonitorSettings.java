package dev.tributary.runtime.settings;

/**
 * {@code tributary.monitor}: whether the node serves its metrics ({@code /metrics}) and, on the master's node, the
 * dashboard ({@code /dashboard}) on pekko-management's HTTP server. Read from the settings' config, beside the
 * sections of {@link TributarySettings}.
 */
public record MonitorSettings(boolean http) {
    public static MonitorSettings of(TributarySettings settings) {
        return new MonitorSettings(new ConfigReader(settings.config()).getBoolean("tributary.monitor.http"));
    }
}
