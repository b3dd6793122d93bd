package dev.tributary.model.weights;

import dev.tributary.model.policy.Params;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Names, shapes and offsets of the parameters inside a flat weight vector, in canonical order. */
public record WeightLayout(List<Entry> entries) {
    /** One parameter: its name, shape and where it starts in the flat vector. */
    public record Entry(String name, long[] shape, long offset) {
        public Entry {
            Objects.requireNonNull(name, "layout entry name");
            shape = shape.clone();
            for (long d : shape) {
                if (d <= 0) {
                    throw new IllegalArgumentException("parameter '" + name + "' has shape " + Arrays.toString(shape)
                            + "; every dimension must be > 0");
                }
            }
            if (offset < 0) {
                throw new IllegalArgumentException("parameter '" + name + "' offset " + offset + " must be >= 0");
            }
        }

        public long size() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && Arrays.equals(shape, e.shape) && offset == e.offset;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(shape), offset);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset;
        }
    }

    public WeightLayout {
        entries = List.copyOf(entries);
        long expected = 0;
        for (Entry e : entries) {
            if (e.offset() != expected) {
                throw new IllegalArgumentException("parameter '" + e.name() + "' starts at offset " + e.offset()
                        + "; expected " + expected + " (entries must be contiguous and in order)");
            }
            expected += e.size();
        }
    }

    public static WeightLayout of(Params params) {
        List<Entry> out = new ArrayList<>();
        long offset = 0;
        for (var e : params.arrays().entrySet()) {
            INDArray a = e.getValue();
            out.add(new Entry(e.getKey(), a.shape(), offset));
            offset += a.length();
        }
        return new WeightLayout(out);
    }

    public long totalSize() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).offset() + entries.get(entries.size() - 1).size();
    }

    public Entry entry(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("no parameter '" + name + "' in the weight layout"));
    }

    /** A short description of the first difference from {@code other}, for error messages. */
    String describeDifference(WeightLayout other) {
        for (int i = 0; i < Math.min(entries.size(), other.entries.size()); i++) {
            if (!entries.get(i).equals(other.entries.get(i))) {
                return "entry " + i + " = " + entries.get(i) + " where the model has " + other.entries.get(i);
            }
        }
        return entries.size() + " entries where the model has " + other.entries.size();
    }
}
