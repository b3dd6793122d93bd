package dev.tributary.streams.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lists, sets and maps of any implementation, read back as unmodifiable collections with the sender's iteration
 * order. The JDK's immutable collections ({@code List.of}, {@code Map.copyOf}) have private classes without
 * no-argument constructors, which Kryo's field-based serializers cannot rebuild without opening {@code java.util}.
 */
final class CollectionSerializers {
    /** Sizes are checked against this before allocating, so a corrupt length cannot claim the heap up front. */
    private static final int MAX_INITIAL_CAPACITY = 1024;

    private CollectionSerializers() {
    }

    static final class ListSerializer extends Serializer<List<?>> {
        @Override
        public void write(Kryo kryo, Output output, List<?> list) {
            output.writeVarInt(list.size(), true);
            for (Object e : list) {
                kryo.writeClassAndObject(output, e);
            }
        }

        @Override
        public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
            int n = input.readVarInt(true);
            List<Object> out = new ArrayList<>(Math.min(n, MAX_INITIAL_CAPACITY));
            boolean nulls = false;
            for (int i = 0; i < n; i++) {
                Object e = kryo.readClassAndObject(input);
                nulls |= e == null;
                out.add(e);
            }
            // List.copyOf is what the records themselves store; it refuses nulls, which other lists may hold.
            return nulls ? Collections.unmodifiableList(out) : List.copyOf(out);
        }
    }

    static final class SetSerializer extends Serializer<Set<?>> {
        @Override
        public void write(Kryo kryo, Output output, Set<?> set) {
            output.writeVarInt(set.size(), true);
            for (Object e : set) {
                kryo.writeClassAndObject(output, e);
            }
        }

        @Override
        public Set<?> read(Kryo kryo, Input input, Class<? extends Set<?>> type) {
            int n = input.readVarInt(true);
            Set<Object> out = new LinkedHashSet<>(Math.min(n, MAX_INITIAL_CAPACITY));
            for (int i = 0; i < n; i++) {
                out.add(kryo.readClassAndObject(input));
            }
            return Collections.unmodifiableSet(out);
        }
    }

    static final class MapSerializer extends Serializer<Map<?, ?>> {
        @Override
        public void write(Kryo kryo, Output output, Map<?, ?> map) {
            output.writeVarInt(map.size(), true);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                kryo.writeClassAndObject(output, e.getKey());
                kryo.writeClassAndObject(output, e.getValue());
            }
        }

        @Override
        public Map<?, ?> read(Kryo kryo, Input input, Class<? extends Map<?, ?>> type) {
            int n = input.readVarInt(true);
            Map<Object, Object> out = new LinkedHashMap<>(Math.min(n, MAX_INITIAL_CAPACITY));
            for (int i = 0; i < n; i++) {
                Object key = kryo.readClassAndObject(input);
                out.put(key, kryo.readClassAndObject(input));
            }
            return Collections.unmodifiableMap(out);
        }
    }
}
