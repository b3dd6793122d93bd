package dev.tributary.runtime.settings;

/**
 * A setting whose value is missing, of the wrong type or out of range. The message names the key's full path,
 * the value found and what was expected, e.g. {@code tributary.rollout.token-budget = -3: expected an integer > 0}.
 */
public final class SettingsException extends IllegalArgumentException {
    private final String path;

    public SettingsException(String path, Object value, String expected) {
        super(path + " = " + value + ": expected " + expected);
        this.path = path;
    }

    public SettingsException(String path, Object value, String expected, Throwable cause) {
        super(path + " = " + value + ": expected " + expected, cause);
        this.path = path;
    }

    /** The full path of the offending key, e.g. {@code tributary.rollout.token-budget}. */
    public String path() {
        return path;
    }
}
