package dev.tributary.streams.weights;

import dev.tributary.model.PolicyVersion;
import dev.tributary.model.weights.FlatWeights;
import dev.tributary.model.weights.WeightLayout;
import java.util.Objects;
import org.apache.pekko.util.ByteString;

/**
 * The receiver side of one transfer. Checks every element (frame CRC, version, layout fingerprint, index, count,
 * offset, length; the manifest's transfer id) and copies its payload into a fresh buffer, never into live weights.
 * Only a transfer that is complete, in order, of the expected layout and equal to the manifest's whole-vector
 * checksum (combined from the chunks' own CRCs as they arrive, not computed over the vector again) becomes a
 * {@link FlatWeights}; anything else is a {@link TransferRefusedException} naming what was wrong.
 * One receiver feeds it (an actor, or the last stage of a data-plane stream), so it is not thread-safe, except
 * {@link #check}, which only reads what never changes.
 */
final class WeightAssembler {
    private final long transferId;
    private final PolicyVersion version;
    private final WeightLayout expectedLayout;
    private Manifest manifest;
    private float[] values;
    private long elements;
    private int nextChunk;
    /** CRC32C of the payload bytes taken so far, in order: the whole vector's once every chunk is in. */
    private int payloadsCrc;

    /** Assembles transfer {@code transferId} of {@code version}, refusing any layout but {@code expectedLayout}. */
    WeightAssembler(long transferId, PolicyVersion version, WeightLayout expectedLayout) {
        this.transferId = transferId;
        this.version = Objects.requireNonNull(version, "offered version");
        this.expectedLayout = Objects.requireNonNull(expectedLayout, "expected layout");
    }

    void accept(ByteString bytes) {
        accept(check(bytes, elements));
    }

    /**
     * Checks element {@code position}'s frame on its own (magic, length, CRC32C) and splits it. It touches nothing
     * {@link #accept(ChunkCodec.Element)} changes, so a pipeline may check one element while it imports another.
     */
    ChunkCodec.Element check(ByteString bytes, long position) {
        try {
            return ChunkCodec.decode(bytes, position);
        } catch (TransferRefusedException e) {
            throw refuse(e.getMessage());
        }
    }

    /** Takes a checked element: its place in the transfer, then its payload into the fresh buffer. */
    void accept(ChunkCodec.Element element) {
        ChunkCodec.Header h = element.header();
        if (h.version() != version.number()) {
            throw refuse("element " + elements + " carries version v" + h.version());
        }
        elements++;
        if (manifest == null) {
            onManifest(h, element);
        } else {
            onData(h, element);
        }
    }

    /** The assembled weights, once every chunk has arrived and the whole matches the manifest's checksum. */
    FlatWeights finish() {
        if (manifest == null) {
            throw refuse("the stream ended before the manifest (" + elements + " elements)");
        }
        if (nextChunk < manifest.chunkCount()) {
            throw refuse("the stream ended early: incomplete after " + progress());
        }
        try {
            // The CRC32C of every payload byte, combined chunk by chunk as they came in: the values' checksum, which
            // FlatWeights refuses unless it is the manifest's, without converting and reading the vector again.
            return FlatWeights.decoded(version, manifest.layout(), values, Integer.toUnsignedLong(payloadsCrc),
                    manifest.checksum());
        } catch (IllegalArgumentException e) {
            throw refuse("whole-vector CRC32C does not match the manifest's: " + e.getMessage());
        }
    }

    /** The refusal for a stream that failed (a lost node, a stall, a cancelled ref) before it completed. */
    TransferRefusedException failed(Throwable cause) {
        if (cause instanceof TransferRefusedException refused) {
            return refused;
        }
        return new TransferRefusedException(what() + " refused: the stream failed after " + progress() + ": " + cause,
                cause);
    }

    /** Whether any element has been taken. */
    boolean started() {
        return elements > 0;
    }

    String progress() {
        return manifest == null ? "0 chunks (no manifest)" : nextChunk + " of " + manifest.chunkCount() + " chunks";
    }

    private void onManifest(ChunkCodec.Header h, ChunkCodec.Element element) {
        if (h.kind() != ChunkCodec.MANIFEST) {
            throw refuse("it began with chunk " + h.index() + " instead of the manifest");
        }
        Manifest m;
        try {
            long id = Manifest.transferId(element.payload());
            if (id != transferId) {
                throw new TransferRefusedException("the manifest belongs to transfer " + id);
            }
            m = Manifest.decode(h.version(), element.payload());
        } catch (TransferRefusedException e) {
            throw refuse(e.getMessage());
        }
        if (!m.layout().equals(expectedLayout)) {
            throw refuse("wrong layout: " + difference(m.layout(), expectedLayout));
        }
        if (h.layoutFingerprint() != m.fingerprint() || h.count() != m.chunkCount()) {
            throw refuse(String.format("manifest header (fingerprint %08x, %d chunks) disagrees with its payload "
                    + "(fingerprint %08x, %d chunks)", h.layoutFingerprint(), h.count(), m.fingerprint(),
                    m.chunkCount()));
        }
        manifest = m;
        values = new float[Math.toIntExact(m.layout().totalSize())];
    }

    private void onData(ChunkCodec.Header h, ChunkCodec.Element element) {
        if (h.kind() == ChunkCodec.MANIFEST) {
            throw refuse("a second manifest arrived after " + progress());
        }
        if (h.kind() != ChunkCodec.DATA) {
            throw refuse("an element of kind " + h.kind() + " arrived after " + progress());
        }
        if (h.layoutFingerprint() != manifest.fingerprint()) {
            throw refuse(String.format("chunk %d has layout fingerprint %08x; the manifest's is %08x", h.index(),
                    h.layoutFingerprint(), manifest.fingerprint()));
        }
        if (h.count() != manifest.chunkCount()) {
            throw refuse("chunk " + h.index() + " says " + h.count() + " chunks; the manifest says "
                    + manifest.chunkCount());
        }
        if (h.index() < nextChunk) {
            throw refuse("duplicate chunk " + h.index() + " after " + progress());
        }
        if (h.index() >= manifest.chunkCount()) {
            throw refuse("chunk index " + h.index() + " is beyond the " + manifest.chunkCount() + " chunks");
        }
        if (h.index() > nextChunk) {
            throw refuse("missing chunk" + (h.index() - nextChunk > 1 ? "s " + nextChunk + ".." + (h.index() - 1)
                    : " " + nextChunk) + ": chunk " + h.index() + " arrived after " + progress());
        }
        long offset = (long) h.index() * manifest.chunkBytes();
        if (h.offset() != offset || h.payloadLength() != manifest.chunkLength(h.index())) {
            throw refuse(String.format("chunk %d covers bytes [%d, +%d); expected [%d, +%d)", h.index(), h.offset(),
                    h.payloadLength(), offset, manifest.chunkLength(h.index())));
        }
        element.payloadFloats(values, Math.toIntExact(offset / Float.BYTES));
        payloadsCrc = Crc32cCombine.combine(payloadsCrc, element.payloadCrc(), h.payloadLength());
        nextChunk++;
    }

    private TransferRefusedException refuse(String why) {
        return new TransferRefusedException(what() + " refused: " + why);
    }

    private String what() {
        return "weights " + version + " (transfer " + transferId + ")";
    }

    /** The first difference between the offered and the expected layout, for the refusal message. */
    static String difference(WeightLayout offered, WeightLayout expected) {
        for (int i = 0; i < Math.min(offered.entries().size(), expected.entries().size()); i++) {
            if (!offered.entries().get(i).equals(expected.entries().get(i))) {
                return "entry " + i + " is " + offered.entries().get(i) + " where this node expects "
                        + expected.entries().get(i);
            }
        }
        return "the offer has " + offered.entries().size() + " entries where this node expects "
                + expected.entries().size();
    }
}
