package dev.tributary.model.registry;

import com.typesafe.config.Config;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The implementations of one plug-in role by name, all of one shape: a factory gets the plug-in's own settings
 * subtree and a context object of the role's type {@code C}, and returns an implementation of the role's interface
 * {@code T}. Names are registered once; an unknown name fails listing the valid ones. A fully qualified class name
 * (containing a dot) loads code from outside the project: the class must implement {@code T} and have a public
 * constructor taking {@code (Config, C)}, {@code (C)}, {@code (Config)} or nothing, tried in that order.
 *
 * <p>Every message names the setting that chose the plug-in ({@link #key()}), the value and what was expected, e.g.
 * {@code tributary.trainer.loss = "ppo": expected one of dpo, grpo, opmd, reinforce, rest, or a fully qualified
 * class name implementing dev.tributary.model.algo.PolicyLoss}.
 *
 * @param <C> the context every factory of this role receives
 * @param <T> the role's interface
 */
public final class Registry<C, T> {
    /** Builds one implementation from its settings subtree and the role's context. */
    @FunctionalInterface
    public interface Factory<C, T> {
        T create(Config settings, C context);
    }

    private final String key;
    private final Class<T> type;
    private final Class<C> contextType;
    private final Map<String, Factory<C, ? extends T>> factories = new TreeMap<>();

    /**
     * @param key         the setting that names the implementation, e.g. {@code tributary.trainer.loss}
     * @param type        the role's interface
     * @param contextType the context a factory receives
     */
    public Registry(String key, Class<T> type, Class<C> contextType) {
        this.key = Objects.requireNonNull(key, "key");
        this.type = Objects.requireNonNull(type, "type");
        this.contextType = Objects.requireNonNull(contextType, "context type");
    }

    public String key() {
        return key;
    }

    public Class<T> type() {
        return type;
    }

    public Class<C> contextType() {
        return contextType;
    }

    /** Adds {@code name}; a name registered twice fails, naming the key and the name. */
    public synchronized Registry<C, T> register(String name, Factory<C, ? extends T> factory) {
        if (name == null || name.isBlank() || name.contains(".")) {
            throw new IllegalArgumentException(key + ": plug-in name '" + name + "' must be non-blank and contain no "
                    + "'.' (dotted names are class names)");
        }
        Objects.requireNonNull(factory, "factory of " + key + " '" + name + "'");
        if (factories.putIfAbsent(name, factory) != null) {
            throw new IllegalArgumentException(key + ": '" + name + "' is already registered as a "
                    + type.getSimpleName() + "; names must be unique");
        }
        return this;
    }

    /** A copy holding the same names, to which a run may add its own without changing this one. */
    public synchronized Registry<C, T> copy() {
        Registry<C, T> c = new Registry<>(key, type, contextType);
        c.factories.putAll(factories);
        return c;
    }

    public synchronized Set<String> names() {
        return Set.copyOf(factories.keySet());
    }

    public synchronized boolean contains(String name) {
        return factories.containsKey(name);
    }

    /**
     * Fails, naming the key, unless {@code name} is registered or looks like a class name. Settings call this when
     * they are read, so a misspelt name stops the run before anything is built.
     */
    public void checkName(String name) {
        if (name == null || !(contains(name) || name.contains("."))) {
            throw new IllegalArgumentException(unknown(name));
        }
    }

    /** Creates the implementation named {@code name} (or a class name) with its settings and the context. */
    public T create(String name, Config settings, C context) {
        Factory<C, ? extends T> f;
        synchronized (this) {
            f = factories.get(name);
        }
        if (f != null) {
            return Objects.requireNonNull(f.create(settings, context), key + " '" + name + "' built nothing");
        }
        if (name != null && name.contains(".")) {
            return load(name, settings, context);
        }
        throw new IllegalArgumentException(unknown(name));
    }

    /** The expected-values part of a message: the valid names and the interface a class must implement. */
    public String expected() {
        return "one of " + String.join(", ", names().stream().sorted().toList())
                + ", or a fully qualified class name implementing " + type.getName();
    }

    private String unknown(String name) {
        return key + " = \"" + name + "\": expected " + expected();
    }

    private T load(String className, Config settings, C context) {
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException(key + " = \"" + className + "\": no such class on the classpath; "
                    + "expected " + expected(), e);
        }
        if (!type.isAssignableFrom(c)) {
            throw new IllegalArgumentException(key + " = \"" + className + "\": class " + className
                    + " does not implement " + type.getName());
        }
        Object[][] argLists = {{settings, context}, {context}, {settings}, {}};
        Class<?>[][] signatures = {{Config.class, contextType}, {contextType}, {Config.class}, {}};
        for (int i = 0; i < signatures.length; i++) {
            Constructor<?> ctor;
            try {
                ctor = c.getConstructor(signatures[i]);
            } catch (NoSuchMethodException e) {
                continue;
            }
            try {
                return type.cast(ctor.newInstance(argLists[i]));
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IllegalArgumentException iae) {
                    throw iae;
                }
                throw new IllegalArgumentException(key + " = \"" + className + "\": its constructor failed: " + cause,
                        cause);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException(key + " = \"" + className + "\": cannot construct it: " + e, e);
            }
        }
        throw new IllegalArgumentException(key + " = \"" + className + "\": expected a public constructor taking ("
                + "Config, " + contextType.getSimpleName() + "), (" + contextType.getSimpleName()
                + "), (Config) or nothing");
    }
}
