package dev.tributary.model.registry;

import com.typesafe.config.Config;
import java.lang.reflect.Constructor;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Implementations of one plug-in type by name. Names are registered once; an unknown name fails listing the valid
 * ones. A fully qualified class name (containing a dot) loads code from outside the project: the class must
 * implement the type and have a public constructor taking a {@link Config} or none.
 */
public final class Registry<T> {
    private final String kind;
    private final Class<T> type;
    private final Map<String, Function<Config, ? extends T>> factories = new TreeMap<>();

    public Registry(String kind, Class<T> type) {
        this.kind = kind;
        this.type = type;
    }

    public synchronized Registry<T> register(String name, Function<Config, ? extends T> factory) {
        if (name == null || name.isBlank() || name.contains(".")) {
            throw new IllegalArgumentException(kind + " name '" + name + "' must be non-blank and contain no '.' "
                    + "(dotted names are class names)");
        }
        if (factories.putIfAbsent(name, factory) != null) {
            throw new IllegalArgumentException(kind + " '" + name + "' is already registered; names must be unique");
        }
        return this;
    }

    public synchronized Set<String> names() {
        return Set.copyOf(factories.keySet());
    }

    public synchronized boolean contains(String name) {
        return factories.containsKey(name);
    }

    /** Creates the implementation named {@code name} (or a class name) with its settings {@code config}. */
    public T create(String name, Config config) {
        Function<Config, ? extends T> f;
        synchronized (this) {
            f = factories.get(name);
        }
        if (f != null) {
            return f.apply(config);
        }
        if (name != null && name.contains(".")) {
            return load(name, config);
        }
        throw new IllegalArgumentException("unknown " + kind + " '" + name + "'; valid names are "
                + String.join(", ", new TreeMap<>(factories).keySet()) + ", or a fully qualified class name implementing "
                + type.getName());
    }

    private T load(String className, Config config) {
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(kind + " class '" + className + "' was not found on the classpath", e);
        }
        if (!type.isAssignableFrom(c)) {
            throw new IllegalArgumentException(kind + " class '" + className + "' does not implement " + type.getName());
        }
        try {
            try {
                Constructor<?> withConfig = c.getConstructor(Config.class);
                return type.cast(withConfig.newInstance(config));
            } catch (NoSuchMethodException e) {
                return type.cast(c.getConstructor().newInstance());
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(kind + " class '" + className
                    + "' needs a public constructor taking a com.typesafe.config.Config or none: " + e, e);
        }
    }
}
