package dev.tributary.runtime.settings;

import java.util.Set;

/** {@code tributary.device}: who holds the device; only the colocated (hybrid) mode exists so far. */
public record DeviceSettings(String mode, int memoryBudgetMb) {
    public static final Set<String> MODES = Set.of("colocated");

    public DeviceSettings {
        Check.oneOf("tributary.device.mode", mode, MODES);
        Check.positive("tributary.device.memory-budget-mb", memoryBudgetMb);
    }

    static DeviceSettings read(ConfigReader r) {
        return new DeviceSettings(r.getString("tributary.device.mode"),
                r.getInt("tributary.device.memory-budget-mb"));
    }
}
