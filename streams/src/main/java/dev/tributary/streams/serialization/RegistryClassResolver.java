package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Kryo's id-to-class mapping, made strict once {@link #seal() sealed}: a class resolves to its own registration, to
 * that of the most specific registered hierarchy it belongs to (actor refs, lists, throwables), or fails naming the
 * class; on read only registered ids are accepted, never class names.
 */
final class RegistryClassResolver extends DefaultClassResolver {
    private final List<Class<?>> hierarchies;
    private final Map<Class<?>, Registration> resolved = new IdentityHashMap<>();
    private boolean sealed;

    RegistryClassResolver(List<Class<?>> hierarchies) {
        this.hierarchies = List.copyOf(hierarchies);
    }

    /** Ends set-up: from now on an unknown class is an error instead of a candidate for registration. */
    void seal() {
        sealed = true;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Registration getRegistration(Class type) {
        Registration exact = super.getRegistration(type);
        if (exact != null || !sealed) {
            return exact;
        }
        Registration r = resolved.get(type);
        if (r == null) {
            r = resolve(type);
            resolved.put(type, r);
        }
        return r;
    }

    private Registration resolve(Class<?> type) {
        // An enum constant with a body is a subclass of its enum.
        if (type.getSuperclass() != null && type.getSuperclass().isEnum()) {
            return getRegistration(type.getSuperclass());
        }
        List<Class<?>> matches = new ArrayList<>();
        for (Class<?> base : hierarchies) {
            if (base.isAssignableFrom(type)) {
                matches.add(base);
            }
        }
        for (Class<?> m : matches) {
            if (matches.stream().allMatch(other -> other.isAssignableFrom(m))) {
                return super.getRegistration(m);
            }
        }
        if (!matches.isEmpty()) {
            throw new IllegalArgumentException("class " + type.getName() + " belongs to several registered hierarchies ("
                    + matches.stream().map(Class::getName).collect(Collectors.joining(", "))
                    + "); register it on its own");
        }
        throw new IllegalArgumentException(KryoRegistry.unregistered(type));
    }

    @Override
    public Registration readClass(Input input) {
        int wire = input.readVarInt(true);
        if (wire == 0) {
            return null; // Kryo's null marker
        }
        if (wire == NAME + 2) {
            throw new KryoException("the bytes name a class instead of giving a registered id; Tributary's Kryo "
                    + "serializer never loads classes by name");
        }
        Registration r = getRegistration(wire - 2);
        if (r == null) {
            throw new KryoException("unknown Kryo registration id " + (wire - 2) + ": the sender registered a class "
                    + "this node does not know; every node must run the same jars and list the same "
                    + KryoRegistry.REGISTRARS);
        }
        return r;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Registration registerImplicit(Class type) {
        throw new IllegalArgumentException(KryoRegistry.unregistered(type));
    }
}
