package dev.tributary.sandbox;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A language the sandbox can run; {@link #id()} is the name used in requests, fences and data files. */
public enum Language {
    PYTHON3("python3"),
    JAVA("java");

    private final String id;

    Language(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Parses a language id; also accepts the common fence aliases {@code python} and {@code py}. */
    public static Language fromId(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "python3":
            case "python":
            case "py":
                return PYTHON3;
            case "java":
                return JAVA;
            default:
                throw new IllegalArgumentException("unknown language '" + name + "'; valid: "
                        + Arrays.stream(values()).map(Language::id).collect(Collectors.joining(", ")));
        }
    }
}
