package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.pekko.util.ByteString;

/** Weights of a given size for the tests: a three-parameter layout filled with seeded random values. */
final class TestWeights {
    private TestWeights() {
    }

    /** A layout of {@code values} floats: an embedding, a square-ish matrix, and a bias taking the rest. */
    static WeightLayout layout(int values) {
        int embed = values / 2;
        int matrix = values / 4;
        return new WeightLayout(List.of(
                new WeightLayout.Entry("embed", new long[] {embed}, 0),
                new WeightLayout.Entry("w", new long[] {matrix}, embed),
                new WeightLayout.Entry("b", new long[] {values - embed - matrix}, embed + matrix)));
    }

    static FlatWeights weights(long version, int values, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[values];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return FlatWeights.of(new PolicyVersion(version), layout(values), v);
    }

    static List<ByteString> elements(FlatWeights w, int chunkBytes, long transferId) {
        List<ByteString> out = new ArrayList<>();
        Iterator<ByteString> it = WeightChunks.of(w, chunkBytes).elements(transferId);
        it.forEachRemaining(out::add);
        return out;
    }

    /** {@code element} with one payload byte flipped, its CRC trailer left as it was. */
    static ByteString flipByte(ByteString element) {
        byte[] b = element.toArray();
        b[ChunkCodec.HEADER_BYTES + 3] ^= 0x40;
        return ByteString.fromArrayUnsafe(b);
    }
}
