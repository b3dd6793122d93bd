package dev.tributary.runtime.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Reads typed values by full path, turning Typesafe Config's type errors into {@link SettingsException}s. */
final class ConfigReader {
    private final Config config;

    ConfigReader(Config config) {
        this.config = config;
    }

    int getInt(String path) {
        return read(path, "an integer", () -> config.getInt(path));
    }

    long getLong(String path) {
        return read(path, "an integer", () -> config.getLong(path));
    }

    double getDouble(String path) {
        return read(path, "a number", () -> config.getDouble(path));
    }

    boolean getBoolean(String path) {
        return read(path, "true or false", () -> config.getBoolean(path));
    }

    java.time.Duration getDuration(String path) {
        return read(path, "a duration such as 90s or 5m", () -> config.getDuration(path));
    }

    String getString(String path) {
        return read(path, "a string", () -> config.getString(path));
    }

    Path getPath(String path) {
        String s = getString(path);
        try {
            if (s.isBlank()) {
                throw new SettingsException(path, "\"\"", "a non-blank directory path");
            }
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new SettingsException(path, "\"" + s + "\"", "a valid directory path (" + e.getReason() + ")", e);
        }
    }

    /** The subtree at {@code path}, or an empty config where there is none (a plug-in without settings). */
    Config subtreeOrEmpty(String path) {
        try {
            return config.hasPath(path) ? config.getConfig(path) : ConfigFactory.empty();
        } catch (ConfigException.WrongType e) {
            throw new SettingsException(path, render(path), "an object of settings", e);
        }
    }

    private <T> T read(String path, String expected, Supplier<T> getter) {
        try {
            return getter.get();
        } catch (ConfigException.Null e) {
            throw new SettingsException(path, "null", expected, e);
        } catch (ConfigException.Missing e) {
            throw new SettingsException(path, "(missing)", expected, e);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw new SettingsException(path, render(path), expected, e);
        }
    }

    private String render(String path) {
        try {
            return config.getValue(path).render(ConfigRenderOptions.concise());
        } catch (ConfigException e) {
            return "(unreadable)";
        }
    }
}
