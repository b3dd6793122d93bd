package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Serializer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The classes registrars add, each with its stable id. A second use of an id or of a class fails at once, naming both
 * registrations and who made them, so a node with a clashing registrar does not start.
 */
public final class Registrations {
    /** Ids 0-9 are Kryo's own (primitives, their wrappers and String). */
    static final int FIRST_ID = 10;

    /** One registration; {@code serializer} is null when Kryo's default for the type is used. */
    record Entry(int id, Class<?> type, Serializer<?> serializer, boolean hierarchy, String source) {
        String describe() {
            return (hierarchy ? "hierarchy " : "") + type.getName() + " (id " + id + ", by " + source + ")";
        }
    }

    private final Map<Integer, Entry> byId = new TreeMap<>();
    private final Map<Class<?>, Entry> byType = new HashMap<>();
    private String source = "built-in";

    Registrations() {
    }

    /**
     * Registers a record (written through its canonical constructor, so its validation runs on read), an enum
     * (by ordinal: append constants at the end) or an array of registered element types. Other classes need
     * {@link #add(int, Class, Serializer)}: Kryo would otherwise set their fields by reflection, bypassing their
     * constructors.
     */
    public Registrations add(int id, Class<?> type) {
        Objects.requireNonNull(type, "registered type");
        if (!type.isRecord() && !type.isEnum() && !type.isArray()) {
            throw new IllegalArgumentException("class " + type.getName() + " (id " + id + ", by " + source
                    + ") is neither a record, an enum nor an array; register it with its own Kryo Serializer");
        }
        return put(new Entry(id, type, null, false, source));
    }

    /**
     * Registers {@code type} with {@code serializer}. One serializer instance serves every pooled Kryo, on any
     * thread: it must keep no per-call state.
     */
    public <T> Registrations add(int id, Class<T> type, Serializer<T> serializer) {
        Objects.requireNonNull(type, "registered type");
        Objects.requireNonNull(serializer, "serializer of " + type.getName());
        return put(new Entry(id, type, serializer, false, source));
    }

    /**
     * Registers {@code base} and every class that extends or implements it, all written under one id by
     * {@code serializer} (which must keep no per-call state, as above). A class covered by two hierarchies goes to
     * the more specific one; an exact registration always wins.
     */
    public Registrations addHierarchy(int id, Class<?> base, Serializer<?> serializer) {
        Objects.requireNonNull(base, "registered hierarchy");
        Objects.requireNonNull(serializer, "serializer of " + base.getName());
        return put(new Entry(id, base, serializer, true, source));
    }

    private Registrations put(Entry e) {
        if (e.id() < FIRST_ID) {
            throw new IllegalArgumentException("id " + e.id() + " of " + e.describe() + " must be >= " + FIRST_ID
                    + "; ids 0-9 are Kryo's own (primitives and String)");
        }
        Entry sameId = byId.get(e.id());
        if (sameId != null) {
            throw new IllegalArgumentException("Kryo id " + e.id() + " is registered twice: " + sameId.describe()
                    + " and " + e.describe() + "; every id must be unique");
        }
        Entry sameType = byType.get(e.type());
        if (sameType != null) {
            throw new IllegalArgumentException("class " + e.type().getName() + " is registered twice: "
                    + sameType.describe() + " and " + e.describe() + "; every class takes one id");
        }
        byId.put(e.id(), e);
        byType.put(e.type(), e);
        return this;
    }

    /** Attributes the following registrations to {@code registrar} in error messages. */
    void from(String registrar) {
        this.source = registrar;
    }

    /** All registrations in id order. */
    List<Entry> entries() {
        return new ArrayList<>(byId.values());
    }
}
