package dev.tributary.model.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.policy.Params;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * All parameters of a policy as one flat float vector: the unit of weight synchronisation, checkpoints and model
 * merging. A copy whose values do not match its CRC32C checksum cannot be constructed, and one whose layout
 * differs from the target model's cannot be imported.
 */
public record FlatWeights(PolicyVersion version, WeightLayout layout, float[] values, long checksum) {
    public FlatWeights {
        Objects.requireNonNull(version, "weights version");
        Objects.requireNonNull(layout, "weights layout");
        Objects.requireNonNull(values, "weights values");
        if (values.length != layout.totalSize()) {
            throw new IllegalArgumentException("weights " + version + " carry " + values.length
                    + " values but the layout needs " + layout.totalSize());
        }
        if (CHECKED.get() != values) {
            requireChecksum(version, checksum(values), checksum);
        }
    }

    /**
     * The values {@link #decoded} has just checked, so that the constructor it calls does not check them again; set
     * only for the duration of that call, on its thread.
     */
    private static final ThreadLocal<float[]> CHECKED = new ThreadLocal<>();

    private static void requireChecksum(PolicyVersion version, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(String.format(
                    "weights %s are corrupt: checksum %08x does not match the expected %08x", version, actual, expected));
        }
    }

    /**
     * Wraps values that a receiver decoded from the little-endian bytes of a vector while computing those bytes'
     * CRC32C as they arrived ({@code bytesChecksum}), refusing them as corrupt unless it equals {@code expected}.
     * Decoding little-endian bytes into floats is exact, so the bytes' checksum is the values' {@link #checksum}:
     * the vector is not converted and checksummed a second time (for 100 MB, some 14 ms of CPU). The values are
     * taken as they are, not copied.
     */
    public static FlatWeights decoded(PolicyVersion version, WeightLayout layout, float[] values, long bytesChecksum,
            long expected) {
        requireChecksum(version, bytesChecksum, expected);
        CHECKED.set(values);
        try {
            return new FlatWeights(version, layout, values, expected);
        } finally {
            CHECKED.remove();
        }
    }

    /** Wraps values, computing their checksum. */
    public static FlatWeights of(PolicyVersion version, WeightLayout layout, float[] values) {
        return new FlatWeights(version, layout, values, checksum(values));
    }

    /** A copy of the current parameters of {@code params}. */
    public static FlatWeights export(Params params, PolicyVersion version) {
        WeightLayout layout = WeightLayout.of(params);
        float[] values = new float[Math.toIntExact(layout.totalSize())];
        int at = 0;
        for (INDArray a : params.arrays().values()) {
            float[] part = a.castTo(DataType.FLOAT).reshape(a.length()).toFloatVector();
            System.arraycopy(part, 0, values, at, part.length);
            at += part.length;
        }
        return of(version, layout, values);
    }

    /** Writes these weights into {@code params} in place (the engine sharing those arrays sees them at once). */
    public void importInto(Params params) {
        WeightLayout target = WeightLayout.of(params);
        if (!target.equals(layout)) {
            throw new IllegalArgumentException("weights " + version + " have layout " + layout.describeDifference(target)
                    + "; refusing to import into a model with a different layout");
        }
        for (Map.Entry<String, INDArray> e : params.arrays().entrySet()) {
            WeightLayout.Entry entry = layout.entry(e.getKey());
            INDArray a = e.getValue();
            float[] part = Arrays.copyOfRange(values, Math.toIntExact(entry.offset()),
                    Math.toIntExact(entry.offset() + entry.size()));
            a.assign(Nd4j.create(part, a.shape(), 'c').castTo(a.dataType()));
        }
    }

    /** CRC32C of the values as little-endian floats, converted 16 Ki floats at a time (bulk, not per float). */
    public static long checksum(float[] values) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        int perBlock = buf.capacity() / Float.BYTES;
        for (int i = 0; i < values.length; i += perBlock) {
            int n = Math.min(perBlock, values.length - i);
            buf.clear();
            buf.asFloatBuffer().put(values, i, n);
            buf.limit(n * Float.BYTES);
            crc.update(buf);
        }
        return crc.getValue();
    }

    @Override
    public float[] values() {
        return values.clone();
    }

    /** Value at {@code i} without copying the vector. */
    public float value(int i) {
        return values[i];
    }

    public int size() {
        return values.length;
    }

    public long bytes() {
        return 4L * values.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlatWeights w && version.equals(w.version) && layout.equals(w.layout) && checksum == w.checksum
                && Arrays.equals(values, w.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, layout, checksum);
    }

    @Override
    public String toString() {
        return String.format("FlatWeights[%s, %d values, crc %08x]", version, values.length, checksum);
    }
}
