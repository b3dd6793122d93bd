package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.typesafe.config.Config;
import java.lang.reflect.InvocationTargetException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.ExtendedActorSystem;

/**
 * The validated registrations of one actor system: the built-in ones ({@link CoreRegistrations}) and those of every
 * registrar in {@value #REGISTRARS}. Immutable and shared; {@link #newKryo()} builds one (single-threaded) Kryo from it.
 */
final class KryoRegistry {
    static final String REGISTRARS = "tributary.serialization.registrars";

    private final List<Registrations.Entry> entries;
    private final List<Class<?>> hierarchies;

    private KryoRegistry(List<Registrations.Entry> entries) {
        this.entries = List.copyOf(entries);
        this.hierarchies = entries.stream().filter(Registrations.Entry::hierarchy)
                .<Class<?>>map(Registrations.Entry::type).toList();
    }

    /** Built-ins plus the registrars listed in {@code config}; fails naming the first bad registrar or clash. */
    static KryoRegistry load(Config config, ExtendedActorSystem system) {
        Registrations r = new Registrations();
        CoreRegistrations.register(r, system);
        // A registrar listed twice (two configs appending the same line) runs once.
        List<String> names = config.hasPath(REGISTRARS) ? config.getStringList(REGISTRARS) : List.of();
        for (String name : new LinkedHashSet<>(names)) {
            r.from(name);
            instantiate(name, system.dynamicAccess().classLoader()).register(r);
        }
        KryoRegistry registry = new KryoRegistry(r.entries());
        registry.newKryo(); // Kryo-level clashes (a class Kryo already registers) surface at start-up too
        return registry;
    }

    /** From explicit registrations (tests). */
    static KryoRegistry of(Registrations r) {
        KryoRegistry registry = new KryoRegistry(r.entries());
        registry.newKryo();
        return registry;
    }

    private static KryoRegistrar instantiate(String name, ClassLoader loader) {
        Class<?> type;
        try {
            type = Class.forName(name, true, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(REGISTRARS + " lists " + name + ", which is not on the class path", e);
        }
        if (!KryoRegistrar.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(REGISTRARS + " lists " + name + ", which does not implement "
                    + KryoRegistrar.class.getName());
        }
        try {
            return (KryoRegistrar) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalArgumentException("registrar " + name + " (listed in " + REGISTRARS
                    + ") needs a public no-argument constructor", e);
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("registrar " + name + " failed to construct: " + e.getCause(), e.getCause());
        }
    }

    /** A fresh Kryo with every registration; Kryo instances are not thread-safe, so each caller pools its own. */
    Kryo newKryo() {
        RegistryClassResolver resolver = new RegistryClassResolver(hierarchies);
        // No reference resolver: messages are trees, so shared references are not tracked (ImageSerializer writes
        // an image the k samples of a prompt share once per message by itself).
        Kryo kryo = new Kryo(resolver, null);
        kryo.setRegistrationRequired(true);
        for (Registrations.Entry e : entries) {
            Registration own = resolver.getRegistration(e.type());
            if (own != null) {
                throw new IllegalArgumentException(e.describe() + " clashes with Kryo's own registration of "
                        + e.type().getName() + " as id " + own.getId() + "; it needs no registration");
            }
            if (e.serializer() == null) {
                kryo.register(e.type(), e.id());
            } else {
                kryo.register(e.type(), e.serializer(), e.id());
            }
        }
        resolver.seal();
        return kryo;
    }

    /** Exact and hierarchy registrations by id. */
    SortedMap<Integer, Class<?>> classesById() {
        SortedMap<Integer, Class<?>> out = new TreeMap<>();
        entries.forEach(e -> out.put(e.id(), e.type()));
        return Collections.unmodifiableSortedMap(out);
    }

    /** The message for a class with no registration, telling where to add one. */
    static String unregistered(Class<?> type) {
        return "class " + type.getName() + " is not registered for Tributary's Kryo serializer; register it with a "
                + "stable id in the KryoRegistrar of its module (listed in " + REGISTRARS + "; ids 100-199 model, "
                + "200-499 actors, 500-599 streams, 1000 and up outside this repository)";
    }
}
