package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The sender side of a broadcast: one published {@link FlatWeights} cut into elements. The data chunks are encoded
 * (and their CRCs computed) once, when the version is published, and every transfer sends those same immutable
 * bytes; only the small manifest, which names the transfer, is encoded per transfer. Each transfer has a sender of
 * its own, paced by its receiver's credit, so a slow receiver holds back its own transfer and nobody else's.
 */
public final class WeightChunks {
    private final Manifest manifest;
    private final byte[] encodedLayout;
    private final List<ByteString> chunks;

    private WeightChunks(Manifest manifest, List<ByteString> chunks) {
        this.manifest = manifest;
        this.encodedLayout = manifest.encodeLayout();
        this.chunks = chunks;
    }

    /** Encodes every chunk of {@code weights}: as much memory again as the weights, shared by all transfers. */
    public static WeightChunks of(FlatWeights weights, int chunkBytes) {
        Manifest m = Manifest.of(weights, chunkBytes);
        float[] values = weights.values();
        int fingerprint = m.fingerprint();
        List<ByteString> chunks = new ArrayList<>(m.chunkCount());
        for (int i = 0; i < m.chunkCount(); i++) {
            long offset = (long) i * chunkBytes;
            int length = m.chunkLength(i);
            ChunkCodec.Header h = new ChunkCodec.Header(ChunkCodec.DATA, m.version().number(), fingerprint, i,
                    m.chunkCount(), offset, length);
            chunks.add(ChunkCodec.encodeData(h, values, Math.toIntExact(offset / Float.BYTES), length / Float.BYTES));
        }
        return new WeightChunks(m, List.copyOf(chunks));
    }

    public PolicyVersion version() {
        return manifest.version();
    }

    /** Data chunks per transfer (the manifest not counted). */
    public int chunkCount() {
        return manifest.chunkCount();
    }

    /** Encoded size of the manifest element, which must fit a frame like every chunk. */
    public int manifestElementBytes() {
        return ChunkCodec.OVERHEAD_BYTES + Manifest.payloadBytes(encodedLayout);
    }

    /** The elements of transfer {@code transferId}: its manifest, then every data chunk in order. */
    public Source<ByteString, NotUsed> source(long transferId) {
        return Source.single(manifest(transferId)).concat(Source.from(chunks));
    }

    Iterator<ByteString> elements(long transferId) {
        List<ByteString> all = new ArrayList<>(chunks.size() + 1);
        all.add(manifest(transferId));
        all.addAll(chunks);
        return all.iterator();
    }

    private ByteString manifest(long transferId) {
        byte[] payload = Manifest.encodePayload(transferId, manifest, encodedLayout);
        return ChunkCodec.encode(new ChunkCodec.Header(ChunkCodec.MANIFEST, manifest.version().number(),
                manifest.fingerprint(), 0, manifest.chunkCount(), 0, payload.length), payload);
    }
}
