package dev.tributary.runtime.settings;

import java.util.Set;
import java.util.TreeSet;

/** Range checks for setting values; each failure names the key's full path, the value and what was expected. */
final class Check {
    private Check() {
    }

    static int positive(String path, int v) {
        if (v <= 0) {
            throw new SettingsException(path, v, "an integer > 0");
        }
        return v;
    }

    static int nonNegative(String path, int v) {
        if (v < 0) {
            throw new SettingsException(path, v, "an integer >= 0");
        }
        return v;
    }

    static int atLeast(String path, int v, int min, String why) {
        if (v < min) {
            throw new SettingsException(path, v, "an integer >= " + min + why);
        }
        return v;
    }

    static int atMost(String path, int v, int max, String why) {
        if (v > max) {
            throw new SettingsException(path, v, "an integer <= " + max + why);
        }
        return v;
    }

    static double positive(String path, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new SettingsException(path, v, "a finite number > 0");
        }
        return v;
    }

    static double nonNegative(String path, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new SettingsException(path, v, "a finite number >= 0");
        }
        return v;
    }

    /** A value in the half-open interval (0, 1], as a top-p mass is. */
    static double unitInterval(String path, double v) {
        if (!(v > 0 && v <= 1)) {
            throw new SettingsException(path, v, "a number in (0, 1]");
        }
        return v;
    }

    /** A registry name (or a class name): registries list the valid names themselves when the actor system starts. */
    static String name(String path, String v) {
        if (v == null || v.isBlank() || !v.strip().equals(v) || v.contains(" ")) {
            throw new SettingsException(path, v == null ? "null" : "\"" + v + "\"",
                    "a non-blank name without spaces (a registered name or a fully qualified class name)");
        }
        return v;
    }

    static String oneOf(String path, String v, Set<String> valid) {
        if (!valid.contains(v)) {
            throw new SettingsException(path, v == null ? "null" : "\"" + v + "\"",
                    "one of " + String.join(", ", new TreeSet<>(valid)));
        }
        return v;
    }
}
