package dev.tributary.model.algo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import java.util.Locale;

/** Reads a correction's settings, refusing bad values with messages that name the full key and the expectation. */
final class CorrectionSettings {
    private CorrectionSettings() {
    }

    /** The full key of {@code field} of the correction {@code name}, e.g. tributary.algo.correction.mis.low. */
    static String key(String name, String field) {
        return OffPolicyCorrections.SETTINGS_PREFIX + name + "." + field;
    }

    static IllegalArgumentException refuse(String name, String field, Object value, String expected) {
        return refuseRendered(name, field, value instanceof String s ? "\"" + s + "\"" : String.valueOf(value),
                expected);
    }

    /** As {@link #refuse}, with the value already rendered as HOCON shows it. */
    static IllegalArgumentException refuseRendered(String name, String field, String rendered, String expected) {
        return new IllegalArgumentException(key(name, field) + " = " + rendered + ": expected " + expected);
    }

    /** A finite number; a missing key, a non-number or NaN/Infinity is refused. */
    static double number(Config c, String name, String field) {
        double v;
        try {
            v = c.getDouble(field);
        } catch (ConfigException.Missing e) {
            throw new IllegalArgumentException(key(name, field) + " is missing: expected a finite number", e);
        } catch (ConfigException.WrongType | NumberFormatException e) {
            throw refuseRendered(name, field, c.getValue(field).render(ConfigRenderOptions.concise()),
                    "a finite number");
        }
        if (!Double.isFinite(v)) {
            throw refuse(name, field, v, "a finite number");
        }
        return v;
    }

    /** {@code level}: "token" or "sequence". */
    static ImportanceRatios.Level level(Config c, String name) {
        String v;
        try {
            v = c.getString("level");
        } catch (ConfigException.Missing e) {
            throw new IllegalArgumentException(key(name, "level") + " is missing: expected \"token\" or \"sequence\"",
                    e);
        } catch (ConfigException.WrongType e) {
            throw refuseRendered(name, "level", c.getValue("level").render(ConfigRenderOptions.concise()),
                    "\"token\" or \"sequence\"");
        }
        return switch (v) {
            case "token" -> ImportanceRatios.Level.TOKEN;
            case "sequence" -> ImportanceRatios.Level.SEQUENCE;
            default -> throw refuse(name, "level", v, "\"token\" or \"sequence\"");
        };
    }

    static String levelName(ImportanceRatios.Level level) {
        return level.name().toLowerCase(Locale.ROOT);
    }
}
